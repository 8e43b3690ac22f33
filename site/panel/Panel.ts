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

import { Cause, Clock, Effect, Exit, Fiber, Option, Redacted, Runtime, Schedule, Schema, type Scope } from "effect"
import { type Context, Hono, type MiddlewareHandler } from "hono"
import { deleteCookie, getCookie, setCookie } from "hono/cookie"
import { streamSSE } from "hono/streaming"
import { BacktestRuns } from "../../core/db/BacktestRuns"
import type { ConfigAudit } from "../../core/db/ConfigAudit"
import { PanelUsers, type Role } from "../../core/db/PanelUsers"
import { type ChartLibrary, comparePage, runPage } from "../report/ReportPage"
import { Board } from "./internal/board"
import { errorPage, page, type Viewer } from "./internal/html"
import { decode, field, PanelRequestError } from "./internal/request"
import { digest, randomToken, sameToken } from "./internal/tokens"
import { accountsView, liveScript, loginForm, type RunFilters, runsList, servicesTable } from "./internal/views"
import { LiveSession } from "./LiveSession"
import * as Password from "./Password"
import { registerBacktests } from "./routes/backtests"
import * as CashRequestRoutes from "./routes/cashRequests"
import * as Operations from "./routes/operations"
import { registerStrategies } from "./routes/strategies"

/** Failed logins of one user name from one address before that pair is refused. */
export const MAX_FAILED_LOGINS = 5
/** The window over which failed logins count, ms. */
export const FAILED_LOGIN_WINDOW_MS = 15 * 60_000
/** How long a session lasts after login, ms. */
export const SESSION_MS = 8 * 3600_000
/** How often the services page asks every service for its status, ms. */
export const STATUS_EVERY_MS = 2_000

const SESSION_COOKIE = "meridian_session"
const LOGIN_COOKIE = "meridian_login"

/** What the panel's handlers run on. */
export type PanelServices =
  | BacktestRuns
  | PanelUsers
  | LiveSession
  | ConfigAudit
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

/** A signed-in viewer and its session's user id. */
type SignedIn = Viewer & { readonly userId: string; readonly tokenHash: string }
type Env = { Variables: { viewer: SignedIn } }

const nowMicros = Effect.map(Clock.currentTimeMillis, (ms) => ms * 1000)

const LoginForm = Schema.Struct({ name: field(100), password: field(1024), _csrf: field(100) })
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

    /** A handler as an Effect: a refused request is its status and one line; any other failure a logged 500. */
    const handle =
      <E>(handler: (c: Context<Env>) => Effect.Effect<Response, E, PanelServices>) =>
      async (c: Context<Env>): Promise<Response> => {
        const exit = await Runtime.runPromiseExit(runtime)(
          handler(c).pipe(
            Effect.tapErrorCause((cause) =>
              refusal(cause) === undefined ? Effect.logError("panel request failed", cause) : Effect.void
            )
          )
        )
        if (Exit.isSuccess(exit)) return exit.value
        const refused = refusal(exit.cause)
        const viewer = c.get("viewer")
        return refused === undefined
          ? c.html(errorPage(500, "the request failed; the panel's log has the details", viewer), 500)
          : c.html(errorPage(refused.status, refused.message, viewer), refused.status)
      }

    // Login: its own CSRF token, double-submitted (cookie and form), since there is no session yet.
    app.get("/login", (c) => {
      const token = getCookie(c, LOGIN_COOKIE) ?? randomToken()
      setCookie(c, LOGIN_COOKIE, token, { httpOnly: true, secure: true, sameSite: "Strict", path: "/login" })
      return c.html(page("Log in", undefined, loginForm(token)))
    })

    app.post(
      "/login",
      handle((c) =>
        Effect.gen(function* () {
          const form = yield* Effect.flatMap(body(c), decode(LoginForm))
          const expected = getCookie(c, LOGIN_COOKIE)
          if (expected === undefined || !sameToken(form._csrf, expected)) {
            return yield* new PanelRequestError({ status: 403, message: "the form's CSRF token is missing or wrong" })
          }
          const users = yield* PanelUsers
          const address = options.clientAddress(c)
          const now = yield* nowMicros
          const failures = yield* users.failuresSince(form.name, address, now - FAILED_LOGIN_WINDOW_MS * 1000)
          if (failures >= MAX_FAILED_LOGINS) {
            return yield* new PanelRequestError({
              status: 429,
              message: `too many failed logins for ${form.name}: try again in ${FAILED_LOGIN_WINDOW_MS / 60_000} minutes`
            })
          }
          const login = yield* users.findLogin(form.name)
          const password = Redacted.make(form.password)
          // An unknown name costs a verification too, so timing does not tell which names exist.
          const matches = Option.isSome(login)
            ? !login.value.disabled && (yield* Password.verify(login.value.passwordHash, password))
            : yield* Effect.as(Password.verify(UNKNOWN_USER_HASH, password), false)
          if (!matches || Option.isNone(login)) {
            yield* users.recordFailure(form.name, address, now)
            return c.html(page("Log in", undefined, loginForm(expected, "wrong name or password")), 401)
          }
          yield* users.clearFailures(form.name, address)
          const token = randomToken()
          yield* users.openSession({
            tokenHash: yield* digest(token),
            userId: login.value.id,
            csrfToken: randomToken(),
            now,
            expiresAt: now + SESSION_MS * 1000
          })
          setCookie(c, SESSION_COOKIE, token, {
            httpOnly: true,
            secure: true,
            sameSite: "Strict",
            path: "/",
            maxAge: SESSION_MS / 1000
          })
          deleteCookie(c, LOGIN_COOKIE, { path: "/login", secure: true })
          return c.redirect("/", 303)
        })
      )
    )

    // Every other route: a live session, and its CSRF token on any state change.
    const signedIn: MiddlewareHandler<Env> = async (c, next) => {
      const token = getCookie(c, SESSION_COOKIE)
      const found =
        token === undefined
          ? Option.none()
          : await Runtime.runPromise(runtime)(
              Effect.gen(function* () {
                const tokenHash = yield* digest(token)
                const now = yield* nowMicros
                const s = yield* (yield* PanelUsers).findSession(tokenHash, now)
                return Option.map(s, (s) => ({ ...s, tokenHash }))
              }).pipe(Effect.orElseSucceed(() => Option.none()))
            )
      if (Option.isNone(found)) {
        return c.req.method === "GET" ? c.redirect("/login", 303) : c.html(errorPage(401, "log in first"), 401)
      }
      const s = found.value
      c.set("viewer", {
        name: s.name,
        roles: s.roles,
        csrfToken: s.csrfToken,
        userId: s.userId,
        tokenHash: s.tokenHash
      })
      if (c.req.method !== "GET" && c.req.method !== "HEAD") {
        const sent = c.req.header("x-csrf-token") ?? (await formField(c, "_csrf"))
        if (sent === undefined || !sameToken(sent, s.csrfToken)) {
          return c.html(errorPage(403, "the request's CSRF token is missing or wrong", c.get("viewer")), 403)
        }
      }
      await next()
    }
    app.use("*", signedIn)

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

    app.post(
      "/logout",
      handle((c) =>
        Effect.gen(function* () {
          yield* (yield* PanelUsers).closeSession(c.get("viewer").tokenHash)
          deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true })
          return c.redirect("/login", 303)
        })
      )
    )

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

    app.get("/live", allow(...STAFF), (c) =>
      Option.match(session, {
        onNone: () => noSession(c, "Live"),
        onSome: (live) =>
          c.html(
            page(
              `Live: session ${live.id}`,
              c.get("viewer"),
              { html: `<div id="live">${accountsView(board.view(), board.lastSeq).html}</div>` },
              liveScript("/live/events", "live")
            )
          )
      })
    )

    app.get("/live/events", allow(...STAFF), (c) =>
      streamSSE(c, async (stream) => {
        // Changes coalesce: at most one fragment per quarter second, the board as it is then.
        let pending = true
        const stop = board.listen(() => {
          pending = true
        })
        stream.onAbort(stop)
        while (!stream.aborted && !stream.closed) {
          if (pending) {
            pending = false
            await stream.writeSSE({ event: "update", data: accountsView(board.view(), board.lastSeq).html })
          }
          await stream.sleep(250)
        }
        stop()
      })
    )

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

/** The refusal a failure carries, if it is one. */
const refusal = (cause: Cause.Cause<unknown>): PanelRequestError | undefined => {
  const failure = Cause.failureOption(cause)
  return Option.isSome(failure) && failure.value instanceof PanelRequestError ? failure.value : undefined
}

/** A missing run is a 404 with its message. */
const notFound = <A, E>(self: Effect.Effect<A, E>) =>
  Effect.catchIf(
    self,
    (e): e is E & { readonly _tag: "BacktestRunNotFound"; readonly message: string } =>
      typeof e === "object" && e !== null && "_tag" in e && e._tag === "BacktestRunNotFound",
    (e) => Effect.fail(new PanelRequestError({ status: 404, message: e.message }))
  )

/** The form fields of a request (url-encoded or multipart); a body that does not parse is a 400. */
const body = (c: Context<Env>) =>
  Effect.tryPromise({
    try: () => c.req.parseBody(),
    catch: () => new PanelRequestError({ status: 400, message: "the body is not a form" })
  })

const formField = async (c: Context<Env>, name: string): Promise<string | undefined> => {
  const type = c.req.header("content-type") ?? ""
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) return undefined
  // Hono caches the parsed body: the handler reads the same fields.
  const fields = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)
  const value = (fields as Record<string, unknown>)[name]
  return typeof value === "string" ? value : undefined
}

/** A valid argon2id hash of no one's password, verified for unknown names. */
const UNKNOWN_USER_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$bDZ0v4y5b068hwpvNvpt4w$iK+YNqazCs0ktGuO8hyhIGBxE8/nAY3FdC7DTsJSuHI"
