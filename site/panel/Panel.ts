/**
 * The Control Panel: a Hono app, server-rendered, for operators, quants and admins. Backtest runs (list, filters,
 * a run's report page, two runs compared), the services of a running session (what `meridian status` shows) and its
 * accounts (positions, open orders, fills, PnL), the last two updated live over server-sent events.
 *
 * Security: users sign in with a name and an argon2id-hashed password; a session is a random token in a `Secure`,
 * `HttpOnly`, `SameSite=Strict` cookie, stored server-side as its SHA-256 with the session's CSRF token, which every
 * state-changing request must carry (`_csrf` field or `x-csrf-token` header; the login form a token of its own,
 * double-submitted in a cookie). Failed logins are counted per user name and client address: after
 * `MAX_FAILED_LOGINS` within `FAILED_LOGIN_WINDOW_MS`, that pair is refused until the window passes. Each route
 * names the roles it admits; an investor is admitted to none. Bodies and queries are decoded with Schema: bad input
 * is a 400 whose one line names the field. A failure shows a one-line page, never a trace (the trace is logged).
 *
 * @since 0.1.0
 */

import { Cause, Effect, Fiber, Option, Runtime, Schedule, Schema, type Scope } from "effect"
import { type Context, Hono, type MiddlewareHandler } from "hono"
import { streamSSE } from "hono/streaming"
import { BacktestRuns } from "../../core/db/BacktestRuns"
import type { ConfigAudit } from "../../core/db/ConfigAudit"
import type { PanelBacktests } from "../../core/db/PanelBacktests"
import type { PanelUsers, Role } from "../../core/db/PanelUsers"
import { type ChartLibrary, comparePage, runPage } from "../report/ReportPage"
import { Board } from "./internal/board"
import { errorPage, page } from "./internal/html"
import { decode, field, PanelRequestError } from "./internal/request"
import { signIn } from "./internal/signIn"
import { accountsView, liveScript, type RunFilters, runsList, servicesTable } from "./internal/views"
import { LiveSession } from "./LiveSession"
import { registerBacktests } from "./routes/backtests"
import * as CashRequestRoutes from "./routes/cashRequests"
import type { PanelEnv } from "./routes/kit"
import * as Operations from "./routes/operations"
import { registerStrategies } from "./routes/strategies"

export { FAILED_LOGIN_WINDOW_MS, MAX_FAILED_LOGINS, SESSION_MS } from "./internal/signIn"
/** How often the services page asks every service for its status, ms. */
export const STATUS_EVERY_MS = 2_000

/** What the panel's handlers run on. */
export type PanelServices =
  | BacktestRuns
  | PanelUsers
  | LiveSession
  | ConfigAudit
  | PanelBacktests
  | CashRequestRoutes.CashRequestServices

/**
 * @since 0.1.0
 * @category models
 */
export interface PanelOptions {
  /** The charting library the run and compare pages inline. */
  readonly chartLibrary: ChartLibrary
  /** The client's address (the rate limit counts per user name and address). */
  readonly clientAddress: (c: Context) => string
}

type Env = PanelEnv

/** A day as a date input sends it, `YYYY-MM-DD`, as the UTC midnight that starts it. */
const Day = Schema.compose(
  Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "is not a date (YYYY-MM-DD)" })),
  Schema.Date
)
// An empty field (the form's default) is no filter.
const RunsQuery = Schema.Struct({
  strategy: Schema.optional(Schema.Union(Schema.Literal(""), field(100))),
  from: Schema.optional(Schema.Union(Schema.Literal(""), Day)),
  to: Schema.optional(Schema.Union(Schema.Literal(""), Day))
})
const RunId = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{12}$/, { message: () => "is not a run id" }))
const CompareQuery = Schema.Struct({ a: RunId, b: RunId })

/**
 * The Control Panel's app over the runtime it is made in; while its scope is open it follows the session's account
 * events (when there is a session).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: PanelOptions): Effect.Effect<Hono<Env>, never, PanelServices | Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<PanelServices>()
    const session = yield* LiveSession
    const board = new Board()
    if (Option.isSome(session)) {
      const live = session.value
      yield* Effect.acquireRelease(
        Effect.sync(() => live.followEvents((seq, event) => board.apply(seq, event))),
        (stop) => Effect.sync(stop)
      )
    }

    const app = new Hono<Env>()

    const handle = signIn<Env, Env["Variables"]["viewer"], PanelServices>(app, runtime, {
      app: "panel",
      sessionCookie: "meridian_session",
      loginCookie: "meridian_login",
      clientAddress: options.clientAddress,
      page: (title, body) => page(title, undefined, body),
      errorPage,
      enter: (c, s) => c.set("viewer", s),
      viewer: (c) => c.get("viewer")
    })

    /** Only these roles pass. */
    const allow =
      (...roles: ReadonlyArray<Role>): MiddlewareHandler<Env> =>
      async (c, next) => {
        const viewer = c.get("viewer")
        if (!viewer.roles.some((role) => roles.includes(role))) {
          const message = viewer.roles.includes("investor")
            ? "the Control Panel is for operators, quants and admins"
            : `this page is for: ${roles.join(", ")}`
          return c.html(errorPage(403, message, viewer), 403)
        }
        await next()
      }
    const STAFF: ReadonlyArray<Role> = ["admin", "operator", "quant"]
    const OPERATIONS: ReadonlyArray<Role> = ["admin", "operator"]

    app.get("/", allow(...STAFF), (c) =>
      c.redirect(c.get("viewer").roles.some((r) => OPERATIONS.includes(r)) ? "/services" : "/runs", 303)
    )

    app.get(
      "/runs",
      allow(...STAFF),
      handle((c) =>
        Effect.gen(function* () {
          const query = yield* decode(RunsQuery)(c.req.query())
          const runs = yield* BacktestRuns
          // Dates filter the latest runs by creation day (UTC), `to` inclusive.
          const from = query.from instanceof Date ? query.from.getTime() * 1000 : Number.NEGATIVE_INFINITY
          const to = query.to instanceof Date ? (query.to.getTime() + 86_400_000) * 1000 : Number.POSITIVE_INFINITY
          const strategy = query.strategy === "" ? undefined : query.strategy
          const found = yield* runs.list({ limit: 500, ...(strategy !== undefined && { strategy }) })
          const filters: RunFilters = {
            strategy,
            from: query.from instanceof Date ? c.req.query("from") : undefined,
            to: query.to instanceof Date ? c.req.query("to") : undefined
          }
          const shown = found.filter((r) => r.createdAt >= from && r.createdAt < to)
          return c.html(page("Backtest runs", c.get("viewer"), runsList(shown, filters)))
        })
      )
    )

    app.get(
      "/runs/:id",
      allow(...STAFF),
      handle((c) =>
        Effect.gen(function* () {
          const id = yield* decode(Schema.Struct({ id: RunId }))(c.req.param())
          const run = yield* (yield* BacktestRuns).show(id.id).pipe(notFound)
          if (run.report === undefined) {
            return yield* new PanelRequestError({ status: 404, message: `run ${run.id} has no report (${run.status})` })
          }
          return c.html(runPage(options.chartLibrary, { ...run, report: run.report }))
        })
      )
    )

    app.get(
      "/compare",
      allow(...STAFF),
      handle((c) =>
        Effect.gen(function* () {
          const query = yield* decode(CompareQuery)(c.req.query())
          const runs = yield* BacktestRuns
          const a = yield* runs.show(query.a).pipe(notFound)
          const b = yield* runs.show(query.b).pipe(notFound)
          const rows = yield* runs.compare(query.a, query.b).pipe(notFound)
          if (a.report === undefined || b.report === undefined) {
            return yield* new PanelRequestError({ status: 404, message: "both runs need a report to be compared" })
          }
          return c.html(comparePage(options.chartLibrary, { ...a, report: a.report }, { ...b, report: b.report }, rows))
        })
      )
    )

    const noSession = (c: Context<Env>, title: string) =>
      c.html(
        page(title, c.get("viewer"), { html: '<p id="no-session">No running session: start one with meridian up.</p>' })
      )

    app.get("/services", allow(...OPERATIONS), (c) =>
      Option.match(session, {
        onNone: () => noSession(c, "Services"),
        onSome: (live) =>
          c.html(
            page(
              `Services of session ${live.id}`,
              c.get("viewer"),
              { html: `<div id="live">${servicesTable([]).html}</div>` },
              liveScript("/services/events", "live")
            )
          )
      })
    )

    app.get("/services/events", allow(...OPERATIONS), (c) =>
      Option.match(session, {
        onNone: () => c.html(errorPage(404, "no running session"), 404),
        onSome: (live) =>
          streamSSE(c, async (stream) => {
            const send = Effect.flatMap(live.statuses, (reports) =>
              Effect.promise(() => stream.writeSSE({ event: "update", data: servicesTable(reports).html }))
            )
            const fiber = Runtime.runFork(runtime)(Effect.repeat(send, Schedule.spaced(STATUS_EVERY_MS)))
            stream.onAbort(() => {
              Runtime.runFork(runtime)(Fiber.interrupt(fiber))
            })
            await Runtime.runPromise(runtime)(Fiber.await(fiber))
          })
      })
    )

    /** Whether the viewer may use the operations' controls (cancel, kill switch, limits). */
    const operates = (c: Context<Env>) => c.get("viewer").roles.some((r) => OPERATIONS.includes(r))

    app.get("/live", allow(...STAFF), (c) =>
      Option.match(session, {
        onNone: () => noSession(c, "Live"),
        onSome: (live) =>
          c.html(
            page(
              `Live: session ${live.id}`,
              c.get("viewer"),
              { html: `<div id="live">${accountsView(board.view(), board.lastSeq, operates(c)).html}</div>` },
              liveScript("/live/events", "live")
            )
          )
      })
    )

    app.get("/live/events", allow(...STAFF), (c) => {
      const canCancel = operates(c)
      return streamSSE(c, async (stream) => {
        // Changes coalesce: at most one fragment per quarter second, the board as it is then.
        let pending = true
        const stop = board.listen(() => {
          pending = true
        })
        stream.onAbort(stop)
        while (!stream.aborted && !stream.closed) {
          if (pending) {
            pending = false
            await stream.writeSSE({ event: "update", data: accountsView(board.view(), board.lastSeq, canCancel).html })
          }
          await stream.sleep(250)
        }
        stop()
      })
    })

    yield* Operations.register(app, { handle, allow, board })

    yield* registerStrategies(app, { handle, allow })
    yield* registerBacktests(app, { handle, allow })

    app.route("/cash-requests", yield* CashRequestRoutes.make)

    app.notFound((c) => c.html(errorPage(404, "no such page", c.get("viewer")), 404))
    app.onError((error, c) => {
      Runtime.runFork(runtime)(Effect.logError("panel request failed", Cause.die(error)))
      return c.html(errorPage(500, "the request failed; the panel's log has the details"), 500)
    })
    return app
  })

/** A missing run is a 404 with its message. */
const notFound = <A, E>(self: Effect.Effect<A, E>) =>
  Effect.catchIf(
    self,
    (e): e is E & { readonly _tag: "BacktestRunNotFound"; readonly message: string } =>
      typeof e === "object" && e !== null && "_tag" in e && e._tag === "BacktestRunNotFound",
    (e) => Effect.fail(new PanelRequestError({ status: 404, message: e.message }))
  )
