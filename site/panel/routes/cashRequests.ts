/**
 * The Control Panel's page of cash requests (operators and admins): the deposits and withdrawals investors asked for
 * in the Client Portal, each approved or rejected here. A decision is audited (who, when, before, after). An approved
 * request becomes a cash movement on the Accounts Service (`CashMovement`: journaled before it is answered, and
 * idempotent by the request's id), then `done` or `failed` with its one-line outcome; a request approved while the
 * service did not answer stays `approved` and is sent again from this page, which cannot move cash twice.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Effect, Exit, Option, Runtime, Schema } from "effect"
import { type Context, Hono, type MiddlewareHandler } from "hono"
import { type CashRequest, CashRequests } from "../../../core/db/CashRequests"
import { PanelUsers } from "../../../core/db/PanelUsers"
import { type AccountsDesk, required } from "../../portal/AccountsDesk"
import { grouped } from "../../portal/internal/money"
import { csrfField, errorPage, html, page, type Viewer } from "../internal/html"
import { decode } from "../internal/request"

/** What these routes run on. */
export type CashRequestServices = CashRequests | PanelUsers | AccountsDesk

type Env = { Variables: { viewer: Viewer & { readonly userId: string } } }

const RequestId = Schema.Struct({
  id: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{1,64}$/, { message: () => "is not a request id" }))
})

const isoTime = (micros: number) => new Date(Math.floor(micros / 1000)).toISOString().replace(/\.\d{3}Z$/, "Z")

const table = (requests: ReadonlyArray<CashRequest>, csrfToken: string) =>
  html`<table id="cash-requests"><thead><tr><th>requested</th><th>by</th><th>account</th><th>kind</th><th class="n">amount</th><th>currency</th><th>status</th><th></th></tr></thead><tbody>
${requests.map(
  (r) =>
    html`<tr data-request="${r.id}" data-status="${r.status}"><td>${isoTime(r.requestedAt)}</td><td>${r.requestedBy}</td><td>${r.accountId}</td><td>${r.kind}</td><td class="n">${grouped(r.amount, r.decimals)}</td><td>${r.currency}</td><td>${r.status}${r.decidedBy === null ? "" : ` by ${r.decidedBy}`}</td>
<td><form class="inline" method="post" action="/cash-requests/${r.id}/approve">${csrfField(csrfToken)}<button class="approve">${r.status === "approved" ? "Send again" : "Approve"}</button></form>
${r.status === "pending" ? html`<form class="inline" method="post" action="/cash-requests/${r.id}/reject">${csrfField(csrfToken)}<button class="reject">Reject</button></form>` : ""}</td></tr>`
)}</tbody></table>${requests.length === 0 ? html`<p id="empty">No request waits.</p>` : ""}`

/**
 * The routes under `/cash-requests`, behind the panel's sign-in and CSRF check.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Hono<Env>, never, CashRequestServices> = Effect.gen(function* () {
  const runtime = yield* Effect.runtime<CashRequestServices>()
  const app = new Hono<Env>()

  const operators: MiddlewareHandler<Env> = async (c, next) => {
    const viewer = c.get("viewer")
    if (!viewer.roles.some((role) => role === "admin" || role === "operator")) {
      return c.html(errorPage(403, "this page is for: admin, operator", viewer), 403)
    }
    await next()
  }
  app.use("*", operators)

  /** A handler as an Effect: a refusal is its status and one line; any other failure a logged 500. */
  const handle =
    <E>(handler: (c: Context<Env>) => Effect.Effect<Response, E, CashRequestServices>) =>
    async (c: Context<Env>): Promise<Response> => {
      const exit = await Runtime.runPromiseExit(runtime)(handler(c))
      if (Exit.isSuccess(exit)) return exit.value
      const failure = Option.getOrUndefined(Cause.failureOption(exit.cause))
      const status = statusOf(failure)
      if (status === 500) {
        Runtime.runFork(runtime)(Effect.logError("cash request failed", exit.cause))
        return c.html(errorPage(500, "the request failed; the panel's log has the details", c.get("viewer")), 500)
      }
      return c.html(errorPage(status, (failure as { message: string }).message, c.get("viewer")), status)
    }

  app.get(
    "/",
    handle((c) =>
      Effect.gen(function* () {
        const open = yield* (yield* CashRequests).open
        return c.html(page("Cash requests", c.get("viewer"), table(open, c.get("viewer").csrfToken)))
      })
    )
  )

  const audit = (c: Context<Env>, action: string, before: CashRequest, after: CashRequest) =>
    Effect.gen(function* () {
      yield* (yield* PanelUsers).audit({
        actor: c.get("viewer").userId,
        action,
        subject: `cash-request:${before.id}`,
        ts: (yield* Clock.currentTimeMillis) * 1000,
        before: { status: before.status, outcome: before.outcome },
        after: { status: after.status, outcome: after.outcome, decidedBy: after.decidedBy }
      })
    })

  app.post(
    "/:id/approve",
    handle((c) =>
      Effect.gen(function* () {
        const { id } = yield* decode(RequestId)(c.req.param())
        const requests = yield* CashRequests
        const found = yield* requests.find(id)
        if (found._tag === "None") return c.html(errorPage(404, `no cash request ${id}`, c.get("viewer")), 404)
        const desk = yield* required
        // Pending: decided now (one operator wins). Approved: its movement had no answer yet, and goes again.
        const approved =
          found.value.status === "pending"
            ? yield* requests.decide(id, {
                status: "approved",
                by: c.get("viewer").userId,
                at: (yield* Clock.currentTimeMillis) * 1000
              })
            : found.value
        if (approved !== found.value) yield* audit(c, "cash-request.approve", found.value, approved)
        if (approved.status !== "approved") {
          return c.html(errorPage(409, `cash request ${id} is ${approved.status}`, c.get("viewer")), 409)
        }
        const outcome = yield* desk.moveCash({
          requestId: id,
          accountId: approved.accountId,
          kind: approved.kind,
          currency: approved.currency,
          amount: approved.amount
        })
        const done = yield* requests.complete(id, {
          status: outcome._tag === "Accepted" ? "done" : "failed",
          outcome: outcome._tag === "Accepted" ? `applied at journal sequence ${outcome.seq}` : outcome.message,
          at: (yield* Clock.currentTimeMillis) * 1000
        })
        yield* audit(c, "cash-request.apply", approved, done)
        return c.redirect("/cash-requests", 303)
      })
    )
  )

  app.post(
    "/:id/reject",
    handle((c) =>
      Effect.gen(function* () {
        const { id } = yield* decode(RequestId)(c.req.param())
        const requests = yield* CashRequests
        const found = yield* requests.find(id)
        if (found._tag === "None") return c.html(errorPage(404, `no cash request ${id}`, c.get("viewer")), 404)
        const rejected = yield* requests.decide(id, {
          status: "rejected",
          by: c.get("viewer").userId,
          at: (yield* Clock.currentTimeMillis) * 1000
        })
        yield* audit(c, "cash-request.reject", found.value, rejected)
        return c.redirect("/cash-requests", 303)
      })
    )
  )
  return app
})

/** The status of a refusal: a request not in the status the step needs, bad input, no Accounts Service; else 500. */
const statusOf = (failure: unknown): 400 | 409 | 503 | 500 => {
  const tag = typeof failure === "object" && failure !== null ? (failure as { _tag?: unknown })._tag : undefined
  return tag === "CashRequestConflict"
    ? 409
    : tag === "PanelRequestError"
      ? 400
      : tag === "AccountsDeskError"
        ? 503
        : 500
}
