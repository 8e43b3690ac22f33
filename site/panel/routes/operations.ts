/**
 * The operator's actions on a live session: risk limits per scope (viewed by staff, changed by operators and admins),
 * the kill switch of the firm or of an account, and the cancel of an order. Each is sent to the Accounts Service as
 * its own request, under a fresh request id, and journaled there before it is answered; each is audited in the
 * central database before it is sent (`ConfigAudit`: who, when, before, after, then the outcome), and any earlier
 * version of a scope's limits or switch can be restored by a revert, itself an audited change.
 *
 * An answer that does not come within `ANSWER_MS` leaves the page saying so: the request stays queued on the
 * session's connection (resent after a reconnect, applied once) and its audit row is settled when the answer comes.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Fiber, Option, Schema, type Scope } from "effect"
import type { Context, Hono } from "hono"
import { ConfigAudit, type ConfigChange, type NewChange } from "../../../core/db/ConfigAudit"
import type { Role } from "../../../core/db/PanelUsers"
import type { CancelOrder, SetRiskLimits, SetTradingHalt } from "../../../core/domain/Commands"
import { type RiskLimits, RiskLimits as RiskLimitsSchema, type RiskScope } from "../../../core/domain/Risk"
import type { Timestamp } from "../../../core/domain/Units"
import type { Outcome } from "../../../core/live/accounts/AccountsShard"
import { type RiskControls, scopeKey } from "../../../core/live/accounts/RiskControls"
import type { Board } from "../internal/board"
import { errorPage, page, type Viewer } from "../internal/html"
import { cancelForm, limitsForm, riskPage } from "../internal/operationsViews"
import { decode, formBody, PanelRequestError } from "../internal/request"
import { settlePending } from "../internal/resend"
import {
  CancelForm,
  CancelQuery,
  EditQuery,
  HaltForm,
  haltSubject,
  LimitsForm,
  limitsOf,
  limitsSubject,
  limitsVersion,
  RevertForm,
  scopeOfSubject
} from "../internal/riskForms"
import { randomToken } from "../internal/tokens"
import { type AccountsRequestError, LiveSession, type LiveSessionService } from "../LiveSession"
import type { PanelEnv, RouteKit } from "./kit"

/** How long a request waits for the Accounts Service's answer before the page says it is pending, ms. */
export const ANSWER_MS = 10_000
/** The audited changes the risk page lists. */
const CHANGES_SHOWN = 100

const STAFF: ReadonlyArray<Role> = ["admin", "operator", "quant"]
const OPERATIONS: ReadonlyArray<Role> = ["admin", "operator"]

/** An operator's input carries no time of its own: the service stamps it with its clock (a session over a replayed
 * feed runs on the feed's time, which the panel's clock would push forward). */
const STAMPED_BY_SERVICE = 0 as Timestamp

const nowMicros = Effect.map(Clock.currentTimeMillis, (ms) => ms * 1000)

const liveSession = Effect.flatMap(LiveSession, (session) =>
  Option.match(session, {
    onNone: () => Effect.fail(new PanelRequestError({ status: 404, message: "no running session" })),
    onSome: Effect.succeed
  })
)

/** The service's answer, or its absence, as what the page says. */
type Answer = Option.Option<
  | { readonly _tag: "Answered"; readonly outcome: Outcome }
  | { readonly _tag: "Failed"; readonly error: AccountsRequestError }
>

const cannotAsk = (error: AccountsRequestError) => `the Accounts Service cannot be asked now: ${error.message}`

const unavailable = (error: AccountsRequestError) =>
  Effect.fail(new PanelRequestError({ status: 404, message: cannotAsk(error) }))

/** The controls of `scope`, if the service holds any yet. */
const controlOf = (controls: RiskControls, scope: RiskScope) => {
  const key = scopeKey(scope)
  return controls.scopes.find((c) => scopeKey(c.scope) === key)
}

/**
 * Register the operations routes on the panel's app; a request waiting for the Accounts Service's answer runs in
 * the panel's scope, so that its audit is settled even after the page stopped waiting.
 *
 * @since 0.1.0
 * @category constructors
 */
export const register = (
  app: Hono<PanelEnv>,
  tools: RouteKit & { readonly board: Board }
): Effect.Effect<void, never, Scope.Scope | LiveSession | ConfigAudit> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const { handle, allow, board } = tools
    // What a panel stopped before its answer left pending is resent and settled (in the background: the service may
    // not be connected yet).
    const session = yield* LiveSession
    if (session._tag === "Some") yield* Effect.forkIn(settlePending(session.value), scope)
    const viewerOf = (c: Context<PanelEnv>): Viewer => c.get("viewer")
    const canAct = (viewer: Viewer) => viewer.roles.some((role) => OPERATIONS.includes(role))

    /** `change` as the audit records it: by the signed-in user, now, under a fresh request id. */
    const newChange = (
      c: Context<PanelEnv>,
      live: LiveSessionService,
      change: Omit<NewChange, "sessionId" | "actor" | "ts" | "requestId">
    ) =>
      Effect.map(
        nowMicros,
        (ts): NewChange => ({
          ...change,
          sessionId: live.id,
          actor: viewerOf(c).name,
          ts,
          requestId: `panel:${randomToken()}`
        })
      )

    /** Audit `change`, send `input` under its request id, settle the audit with the answer; answer the page. */
    const apply = (
      c: Context<PanelEnv>,
      live: LiveSessionService,
      change: Omit<NewChange, "sessionId" | "actor" | "ts" | "requestId">,
      input: CancelOrder | SetRiskLimits | SetTradingHalt,
      back: string
    ) =>
      Effect.gen(function* () {
        const recorded = yield* (yield* ConfigAudit).begin(yield* newChange(c, live, change))
        return yield* send(c, live, recorded, input, back)
      })

    /** Send the audited change `recorded` as `input`, settle its audit with the answer; answer the page. */
    const send = (
      c: Context<PanelEnv>,
      live: LiveSessionService,
      recorded: ConfigChange,
      input: CancelOrder | SetRiskLimits | SetTradingHalt,
      back: string
    ) =>
      Effect.gen(function* () {
        const audit = yield* ConfigAudit
        const requestId = recorded.requestId
        const answering = yield* live.send({ ...input, requestId }).pipe(
          Effect.map((outcome) => ({ _tag: "Answered" as const, outcome })),
          Effect.catchAll((error) => Effect.succeed({ _tag: "Failed" as const, error })),
          Effect.tap((answer) =>
            (answer._tag === "Failed"
              ? audit.settle(recorded.id, "refused", answer.error.message)
              : answer.outcome._tag === "Accepted"
                ? audit.settle(recorded.id, "applied")
                : audit.settle(recorded.id, "refused", answer.outcome.message)
            ).pipe(
              // The service answered: the page says what it answered; the row stays pending and the log says why.
              Effect.catchTag("DatabaseError", (error) =>
                Effect.logError("audited change not settled").pipe(Effect.annotateLogs({ change: recorded.id, error }))
              )
            )
          ),
          Effect.forkIn(scope)
        )
        const answer: Answer = yield* Fiber.join(answering).pipe(Effect.timeoutOption(Duration.millis(ANSWER_MS)))
        return respond(c, answer, recorded.id, back)
      })

    const respond = (c: Context<PanelEnv>, answer: Answer, id: number, back: string): Response => {
      const viewer = viewerOf(c)
      if (Option.isNone(answer)) {
        const message = `change ${id} is sent and audited as pending: the Accounts Service did not answer in ${ANSWER_MS / 1000} s (it applies it once it does)`
        return c.html(errorPage(202, message, viewer), 202)
      }
      const value = answer.value
      if (value._tag === "Failed") return c.html(errorPage(400, value.error.message, viewer), 400)
      if (value.outcome._tag === "Refused") {
        return c.html(errorPage(409, `the Accounts Service refused it: ${value.outcome.message}`, viewer), 409)
      }
      return c.redirect(back, 303)
    }

    // Limit changes one at a time: the compare-and-set below reads the limits and sends the change as one step.
    const limitsLock = yield* Effect.makeSemaphore(1)

    /**
     * Set `scope`'s limits if they are still `expected` (the version the form was filled with; a revert expects them
     * as they are): a change made by someone else since is a 409 naming it, and nothing is sent. Across panels on one
     * database, the change claims the scope by its pending audit row (`beginExclusive`) and reads the limits again
     * once it holds it: a change another panel has in flight, or applied in between, is a 409 too.
     */
    const setLimits = (
      c: Context<PanelEnv>,
      live: LiveSessionService,
      scope: RiskScope,
      limits: RiskLimits,
      expected: string | undefined,
      reverts?: number
    ) =>
      Effect.gen(function* () {
        const audit = yield* ConfigAudit
        const limitsNow = Effect.map(
          Effect.catchAll(live.riskControls, unavailable),
          (controls) => controlOf(controls, scope)?.limits ?? {}
        )
        const stale = Effect.gen(function* () {
          const [latest] = (yield* audit.history(live.id, CHANGES_SHOWN)).filter(
            (change) => change.subject === limitsSubject(scope)
          )
          return new PanelRequestError({
            status: 409,
            message: `the limits of ${scopeKey(scope)} changed since the form was opened${
              latest === undefined ? "" : ` (change ${latest.id} by ${latest.actor}, ${latest.outcome})`
            }: nothing was sent; open the form again to edit them as they are now`
          })
        })
        const before = yield* limitsNow
        const version = expected ?? limitsVersion(before)
        if (limitsVersion(before) !== version) return yield* Effect.flatMap(stale, Effect.fail)
        const claim = yield* audit.beginExclusive(
          yield* newChange(c, live, {
            action: reverts === undefined ? "risk-limits.set" : "risk-limits.revert",
            subject: limitsSubject(scope),
            before,
            after: limits,
            ...(reverts === undefined ? {} : { reverts })
          })
        )
        if (claim._tag === "Busy") {
          const other = claim.pending
          return yield* new PanelRequestError({
            status: 409,
            message: `the limits of ${scopeKey(scope)} have a change in flight${
              other === undefined ? "" : ` (change ${other.id} by ${other.actor})`
            }: nothing was sent; open the form again once it is answered`
          })
        }
        // Held: no other panel sends a change of these limits now. Read again what an earlier one may have applied.
        if (limitsVersion(yield* limitsNow) !== version) {
          yield* audit.settle(claim.change.id, "refused", "not sent: the limits changed before it was sent")
          return yield* Effect.flatMap(stale, Effect.fail)
        }
        return yield* send(
          c,
          live,
          claim.change,
          { _tag: "SetRiskLimits", scope, limits, ts: STAMPED_BY_SERVICE },
          "/risk"
        )
      }).pipe(limitsLock.withPermits(1))

    const setHalt = (
      c: Context<PanelEnv>,
      live: LiveSessionService,
      scope: RiskScope,
      halted: boolean,
      reason: string,
      reverts?: number
    ) =>
      Effect.gen(function* () {
        if (scope._tag !== "Firm" && scope._tag !== "Account") {
          return yield* new PanelRequestError({
            status: 400,
            message: "scope: only the firm or an account has a kill switch"
          })
        }
        const controls = yield* Effect.catchAll(live.riskControls, unavailable)
        const viewer = viewerOf(c).name
        return yield* apply(
          c,
          live,
          {
            action: reverts !== undefined ? "trading.revert" : halted ? "trading.halt" : "trading.resume",
            subject: haltSubject(scope),
            before: { halted: controlOf(controls, scope)?.halted ?? false },
            after: { halted },
            ...(reverts === undefined ? {} : { reverts })
          },
          {
            _tag: "SetTradingHalt",
            scope,
            halted,
            reason: reason === "" ? viewer : `${viewer}: ${reason}`,
            ts: STAMPED_BY_SERVICE
          },
          "/risk"
        )
      })

    app.get(
      "/risk",
      allow(...STAFF),
      handle((c) =>
        Effect.gen(function* () {
          const live = yield* liveSession
          // The audited changes come from the database: shown even when the service does not answer.
          const controls = yield* Effect.catchAll(live.riskControls, (error) => Effect.succeed(cannotAsk(error)))
          const changes = yield* (yield* ConfigAudit).history(live.id, CHANGES_SHOWN)
          const viewer = viewerOf(c)
          return c.html(page(`Risk: session ${live.id}`, viewer, riskPage(controls, changes, viewer, canAct(viewer))))
        })
      )
    )

    app.get(
      "/risk/edit",
      allow(...OPERATIONS),
      handle((c) =>
        Effect.gen(function* () {
          const { scope } = yield* decode(EditQuery)(c.req.query())
          const live = yield* liveSession
          const controls = yield* Effect.catchAll(live.riskControls, unavailable)
          const key = scopeKey(scope)
          const current = (controlOf(controls, scope)?.limits ?? {}) as Record<string, number | undefined>
          return c.html(page(`Limits of ${key}`, viewerOf(c), limitsForm(key, current, viewerOf(c))))
        })
      )
    )

    app.post(
      "/risk/limits",
      allow(...OPERATIONS),
      handle((c) =>
        Effect.gen(function* () {
          const fields = yield* Effect.flatMap(formBody(c), decode(LimitsForm))
          // Each value checked as the engine's limits are (positive lots, non-negative money, ...): nothing is sent
          // unless every field passes.
          const limits = yield* decode(RiskLimitsSchema)(limitsOf(fields))
          return yield* setLimits(c, yield* liveSession, fields.scope, limits, fields.current)
        })
      )
    )

    app.post(
      "/risk/halt",
      allow(...OPERATIONS),
      handle((c) =>
        Effect.gen(function* () {
          const fields = yield* Effect.flatMap(formBody(c), decode(HaltForm))
          return yield* setHalt(c, yield* liveSession, fields.scope, fields.halted === "true", fields.reason ?? "")
        })
      )
    )

    app.post(
      "/risk/revert",
      allow(...OPERATIONS),
      handle((c) =>
        Effect.gen(function* () {
          const { change: id, current } = yield* Effect.flatMap(formBody(c), decode(RevertForm))
          const live = yield* liveSession
          const found = yield* (yield* ConfigAudit).find(live.id, id)
          const change = Option.getOrUndefined(found)
          const target = change === undefined ? undefined : scopeOfSubject(change.subject)
          if (change === undefined || target === undefined || change.outcome !== "applied") {
            return yield* new PanelRequestError({
              status: 400,
              message: `change: ${id} is not an applied change of a scope's limits or kill switch of this session`
            })
          }
          if (target.kind === "risk-limits") {
            const limits = yield* decode(RiskLimitsSchema)(change.before)
            return yield* setLimits(c, live, target.scope, limits, current, id)
          }
          const { halted } = yield* decode(HaltedState)(change.before)
          return yield* setHalt(c, live, target.scope, halted, `revert of change ${id}`, id)
        })
      )
    )

    app.get(
      "/orders/cancel",
      allow(...OPERATIONS),
      handle((c) =>
        Effect.gen(function* () {
          const query = yield* decode(CancelQuery)(c.req.query())
          yield* liveSession
          const order = board
            .view()
            .find((a) => a.accountId === query.account)
            ?.openOrders.find((o) => o.clientOrderId === query.order)
          return c.html(
            page("Cancel an order", viewerOf(c), cancelForm(query.account, query.order, order, viewerOf(c)))
          )
        })
      )
    )

    app.post(
      "/orders/cancel",
      allow(...OPERATIONS),
      handle((c) =>
        Effect.gen(function* () {
          const { accountId, clientOrderId } = yield* Effect.flatMap(formBody(c), decode(CancelForm))
          const live = yield* liveSession
          const order = board
            .view()
            .find((a) => a.accountId === accountId)
            ?.openOrders.find((o) => o.clientOrderId === clientOrderId)
          return yield* apply(
            c,
            live,
            {
              action: "order.cancel",
              subject: `order:${accountId}/${clientOrderId}`,
              before:
                order === undefined
                  ? null
                  : { status: order.status, quantity: order.quantity, filled: order.filledQuantity },
              after: { cancelRequested: true }
            },
            { _tag: "CancelOrder", accountId, clientOrderId, ts: STAMPED_BY_SERVICE },
            "/live"
          )
        })
      )
    )
  })

/** A kill switch's state as audited. */
const HaltedState = Schema.Struct({ halted: Schema.Boolean })
