/**
 * The Client Portal: a Hono app, server-rendered, for investors. An investor sees only the accounts bound to them
 * (`meridian user add --role investor --account <id>`): NAV, returns by day, month, year and since inception, the
 * drawdown chart and monthly returns (from `NavHistory`, kept by `NavSampler`), statements for a chosen period as
 * CSV or a printable page, and their deposit and withdrawal requests, which an operator approves or rejects in the
 * Control Panel (`site/panel/routes/cashRequests.ts`).
 *
 * Security is the Control Panel's: the same users, argon2id passwords, sessions (a random token in a `Secure`,
 * `HttpOnly`, `SameSite=Strict` cookie of its own name, stored as its SHA-256), a CSRF token on every state change,
 * failed logins limited per name and address. Only the `investor` role signs in here. Another investor's account
 * is "not found", exactly as an account that does not exist. Bodies and queries are decoded with Schema (a 400
 * naming the field); a failure shows one line, never a trace.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Effect, Exit, Option, Redacted, Runtime, Schema } from "effect"
import { type Context, Hono, type MiddlewareHandler } from "hono"
import { deleteCookie, getCookie, setCookie } from "hono/cookie"
import { CashRequests } from "../../core/db/CashRequests"
import { Investors } from "../../core/db/Investors"
import { NavHistory } from "../../core/db/NavHistory"
import { PanelUsers } from "../../core/db/PanelUsers"
import { minorIncrement, UnitsFromDecimal } from "../../core/domain/Decimal"
import { CurrencyCode } from "../../core/domain/Ids"
import { decode, field } from "../panel/internal/request"
import { digest, randomToken, sameToken } from "../panel/internal/tokens"
import { FAILED_LOGIN_WINDOW_MS, MAX_FAILED_LOGINS, SESSION_MS } from "../panel/Panel"
import * as Password from "../panel/Password"
import type { ChartLibrary } from "../report/ReportPage"
import { AccountsDesk } from "./AccountsDesk"
import { errorPage, type Investor, page } from "./internal/layout"
import { performance } from "./internal/performance"
import {
  type AccountSummary,
  accountPage,
  accountsList,
  loginForm,
  statementCsv,
  statementPage
} from "./internal/views"

const SESSION_COOKIE = "meridian_portal"
const LOGIN_COOKIE = "meridian_portal_login"

/** What the portal's handlers run on. */
export type PortalServices = PanelUsers | Investors | CashRequests | NavHistory | AccountsDesk

/**
 * @since 0.1.0
 * @category models
 */
export interface PortalOptions {
  readonly chartLibrary: ChartLibrary
  /** The client's address (the rate limit counts per user name and address). */
  readonly clientAddress: (c: Context) => string
}

/**
 * A request the portal refuses: its status and one line.
 *
 * @since 0.1.0
 * @category errors
 */
export class PortalRequestError extends Schema.TaggedError<PortalRequestError>()("PortalRequestError", {
  status: Schema.Literal(400, 401, 403, 404, 409, 429, 503),
  message: Schema.String
}) {}

type Env = { Variables: { investor: Investor } }

const nowMicros = Effect.map(Clock.currentTimeMillis, (ms) => ms * 1000)
const LoginForm = Schema.Struct({ name: field(100), password: field(1024), _csrf: field(100) })
const AccountParam = Schema.Struct({ id: field(64) })
const Day = Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "is not a date (YYYY-MM-DD)" }))
const StatementQuery = Schema.Struct({ from: Day, to: Day, format: Schema.Literal("html", "csv") })
const CashForm = Schema.Struct({
  kind: Schema.Literal("deposit", "withdrawal"),
  currency: CurrencyCode,
  amount: Schema.String.pipe(
    Schema.pattern(/^\d{1,15}(\.\d{1,18})?$/, { message: () => "is not an amount such as 250.00" })
  )
})
/** At most this many requests of an account shown, and pending at once. */
const REQUESTS_SHOWN = 50
const MAX_PENDING = 10

/**
 * The portal's app over the runtime it is made in.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: PortalOptions): Effect.Effect<Hono<Env>, never, PortalServices> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<PortalServices>()
    const app = new Hono<Env>()

    const handle =
      <E>(handler: (c: Context<Env>) => Effect.Effect<Response, E, PortalServices>) =>
      async (c: Context<Env>): Promise<Response> => {
        const exit = await Runtime.runPromiseExit(runtime)(
          handler(c).pipe(
            Effect.tapErrorCause((cause) =>
              refusal(cause) === undefined ? Effect.logError("portal request failed", cause) : Effect.void
            )
          )
        )
        if (Exit.isSuccess(exit)) return exit.value
        const refused = refusal(exit.cause)
        const investor = c.get("investor")
        return refused === undefined
          ? c.html(errorPage(500, "the request failed; the portal's log has the details", investor), 500)
          : c.html(errorPage(refused.status, refused.message, investor), refused.status)
      }

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
            return yield* new PortalRequestError({ status: 403, message: "the form's CSRF token is missing or wrong" })
          }
          const users = yield* PanelUsers
          const address = options.clientAddress(c)
          const now = yield* nowMicros
          const failures = yield* users.failuresSince(form.name, address, now - FAILED_LOGIN_WINDOW_MS * 1000)
          if (failures >= MAX_FAILED_LOGINS) {
            return yield* new PortalRequestError({
              status: 429,
              message: `too many failed logins for ${form.name}: try again in ${FAILED_LOGIN_WINDOW_MS / 60_000} minutes`
            })
          }
          const login = yield* users.findLogin(form.name)
          const password = Redacted.make(form.password)
          const matches = Option.isSome(login)
            ? !login.value.disabled && (yield* Password.verify(login.value.passwordHash, password))
            : yield* Effect.as(Password.verify(UNKNOWN_USER_HASH, password), false)
          if (!matches || Option.isNone(login)) {
            yield* users.recordFailure(form.name, address, now)
            return c.html(page("Log in", undefined, loginForm(expected, "wrong name or password")), 401)
          }
          yield* users.clearFailures(form.name, address)
          if (!login.value.roles.includes("investor")) {
            return yield* new PortalRequestError({
              status: 403,
              message: "the Client Portal is for investors: operators use the Control Panel"
            })
          }
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

    // Every other route: an investor's live session, and its CSRF token on any state change.
    const signedIn: MiddlewareHandler<Env> = async (c, next) => {
      const token = getCookie(c, SESSION_COOKIE)
      const found =
        token === undefined
          ? Option.none()
          : await Runtime.runPromise(runtime)(
              Effect.gen(function* () {
                const tokenHash = yield* digest(token)
                const s = yield* (yield* PanelUsers).findSession(tokenHash, yield* nowMicros)
                return Option.map(
                  Option.filter(s, (s) => s.roles.includes("investor")),
                  (s) => ({ ...s, tokenHash })
                )
              }).pipe(Effect.orElseSucceed(() => Option.none()))
            )
      if (Option.isNone(found)) {
        return c.req.method === "GET" ? c.redirect("/login", 303) : c.html(errorPage(401, "log in first"), 401)
      }
      const s = found.value
      c.set("investor", { userId: s.userId, name: s.name, csrfToken: s.csrfToken, tokenHash: s.tokenHash })
      if (c.req.method !== "GET" && c.req.method !== "HEAD") {
        const sent = c.req.header("x-csrf-token") ?? (await formField(c, "_csrf"))
        if (sent === undefined || !sameToken(sent, s.csrfToken)) {
          return c.html(errorPage(403, "the request's CSRF token is missing or wrong", c.get("investor")), 403)
        }
      }
      await next()
    }
    app.use("*", signedIn)

    app.post(
      "/logout",
      handle((c) =>
        Effect.gen(function* () {
          yield* (yield* PanelUsers).closeSession(c.get("investor").tokenHash)
          deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true })
          return c.redirect("/login", 303)
        })
      )
    )

    /** The account of the URL if it is the investor's: another's is "not found", like one that does not exist. */
    const ownAccount = (c: Context<Env>) =>
      Effect.gen(function* () {
        const { id } = yield* decode(AccountParam)(c.req.param())
        const own = yield* (yield* Investors).accountsOf(c.get("investor").userId)
        if (!own.includes(id)) return yield* new PortalRequestError({ status: 404, message: `no account ${id}` })
        return id
      })

    app.get(
      "/",
      handle((c) =>
        Effect.gen(function* () {
          const own = yield* (yield* Investors).accountsOf(c.get("investor").userId)
          const live = yield* liveValues(own)
          const summaries = yield* Effect.forEach(own, (id) => Effect.map(summaryOf(id, live), (s) => s.summary))
          return c.html(page("Your accounts", c.get("investor"), accountsList(summaries)))
        })
      )
    )

    const showAccount = (c: Context<Env>, id: string, message?: string) =>
      Effect.gen(function* () {
        const live = yield* liveValues([id])
        const { summary, decimals } = yield* summaryOf(id, live)
        const value = live?.accounts.find((a) => a.accountId === id)
        const requests = yield* (yield* CashRequests).ofAccounts([id], REQUESTS_SHOWN)
        const view = accountPage(options.chartLibrary, {
          summary,
          cash: value?.cash ?? [],
          decimalsOf: (currency) => live?.decimals[currency] ?? decimals,
          requests,
          live: value !== undefined,
          csrfToken: c.get("investor").csrfToken,
          message
        })
        return c.html(page(`Account ${id}`, c.get("investor"), view.body, view.head), message === undefined ? 200 : 400)
      })

    app.get(
      "/accounts/:id",
      handle((c) => Effect.flatMap(ownAccount(c), (id) => showAccount(c, id)))
    )

    app.post(
      "/accounts/:id/cash-requests",
      handle((c) =>
        Effect.gen(function* () {
          const id = yield* ownAccount(c)
          const form = yield* Effect.flatMap(body(c), decode(CashForm))
          const desk = yield* AccountsDesk
          if (Option.isNone(desk)) {
            return yield* new PortalRequestError({ status: 503, message: "no running session: try again later" })
          }
          const values = yield* desk.value
            .values([id])
            .pipe(Effect.mapError((e) => new PortalRequestError({ status: 503, message: e.message })))
          const decimals = values.decimals[form.currency]
          if (decimals === undefined) {
            return yield* showAccount(c, id, `currency: ${form.currency} is not a currency of the platform`)
          }
          const amount = Schema.decodeEither(UnitsFromDecimal(minorIncrement(decimals)))(form.amount)
          if (amount._tag === "Left" || amount.right <= 0) {
            return yield* showAccount(
              c,
              id,
              `amount: ${form.amount} is not a positive amount of ${form.currency} with at most ${decimals} decimals`
            )
          }
          const requests = yield* CashRequests
          const open = (yield* requests.ofAccounts([id], REQUESTS_SHOWN)).filter(
            (r) => r.status === "pending" || r.status === "approved"
          )
          if (form.kind === "withdrawal") {
            // What is free now, less the withdrawals already waiting: the engine checks again when one is applied.
            const free = values.accounts[0]?.cash.find((b) => b.currency === form.currency)?.free ?? 0
            const waiting = open
              .filter((r) => r.kind === "withdrawal" && r.currency === form.currency)
              .reduce((sum, r) => sum + r.amount, 0)
            if (amount.right > free - waiting) {
              return yield* showAccount(
                c,
                id,
                `amount: a withdrawal of ${form.amount} ${form.currency} exceeds the available cash`
              )
            }
          }
          if (open.length >= MAX_PENDING) {
            return yield* showAccount(c, id, `at most ${MAX_PENDING} requests of an account wait at once`)
          }
          yield* requests.create({
            id: randomToken().slice(0, 22),
            accountId: id,
            kind: form.kind,
            currency: form.currency,
            decimals,
            amount: amount.right,
            requestedBy: c.get("investor").userId,
            requestedAt: yield* nowMicros
          })
          return c.redirect(`/accounts/${encodeURIComponent(id)}#requests`, 303)
        })
      )
    )

    app.get(
      "/accounts/:id/statement",
      handle((c) =>
        Effect.gen(function* () {
          const id = yield* ownAccount(c)
          const query = yield* decode(StatementQuery)(c.req.query())
          const from = Date.parse(`${query.from}T00:00:00Z`) * 1000
          const to = Date.parse(`${query.to}T00:00:00Z`) * 1000 + 86_400_000_000 - 1
          if (!(from <= to)) {
            return yield* new PortalRequestError({ status: 400, message: "to: is before from" })
          }
          const history = yield* (yield* NavHistory).history(id, to)
          const currency = history.samples[0]?.currency ?? ""
          const decimals = history.samples[0]?.decimals ?? 2
          const before = history.samples.filter((s) => s.ts < from)
          const within = history.samples.filter((s) => s.ts >= from)
          const flows = history.flows.filter((f) => f.currency === currency)
          const all = performance(history.samples, flows)
          const periodPoints = all.points.filter((p) => p.ts >= from)
          const statement = {
            accountId: id,
            currency,
            decimals,
            from: query.from,
            to: query.to,
            opening: before.at(-1)?.nav ?? 0,
            closing: within.at(-1)?.nav ?? before.at(-1)?.nav ?? 0,
            flows: flows.filter((f) => f.ts >= from),
            requests: (yield* (yield* CashRequests).ofAccounts([id], 1000)).filter(
              (r) => r.requestedAt >= from && r.requestedAt <= to
            ),
            periodReturn: periodPoints.length === 0 ? undefined : periodPoints.reduce((g, p) => g * (1 + p.r), 1) - 1
          }
          if (query.format === "csv") {
            return c.body(statementCsv(statement), 200, {
              "content-type": "text/csv; charset=utf-8",
              "content-disposition": `attachment; filename="statement-${id}-${query.from}-${query.to}.csv"`
            })
          }
          return c.html(page(`Statement of ${id}`, c.get("investor"), statementPage(statement)))
        })
      )
    )

    app.notFound((c) => c.html(errorPage(404, "no such page", c.get("investor")), 404))
    app.onError((error, c) => {
      Runtime.runFork(runtime)(Effect.logError("portal request failed", Cause.die(error)))
      return c.html(errorPage(500, "the request failed; the portal's log has the details"), 500)
    })
    return app
  })

/** The live values of `accounts`, or undefined without a session or an answer (pages then show the history). */
const liveValues = (accounts: ReadonlyArray<string>) =>
  Effect.flatMap(AccountsDesk, (desk) =>
    Option.isNone(desk) || accounts.length === 0
      ? Effect.succeed(undefined)
      : desk.value.values(accounts).pipe(
          Effect.tapError((e) =>
            Effect.logWarning("portal shows the recorded values").pipe(Effect.annotateLogs({ reason: e.message }))
          ),
          Effect.orElseSucceed(() => undefined)
        )
  )

/** An account's summary: its history's performance, and its NAV now if the session answered, else the last sample. */
const summaryOf = (
  id: string,
  live:
    | {
        readonly accounts: ReadonlyArray<{
          readonly accountId: string
          readonly nav: number
          readonly ts: number
          readonly baseCurrency: string
        }>
        readonly decimals: Readonly<Record<string, number>>
      }
    | undefined
) =>
  Effect.gen(function* () {
    const history = yield* (yield* NavHistory).history(id)
    const value = live?.accounts.find((a) => a.accountId === id)
    const last = history.samples.at(-1)
    const currency = value?.baseCurrency ?? last?.currency ?? ""
    const decimals = (value === undefined ? last?.decimals : live?.decimals[currency]) ?? 2
    const summary: AccountSummary = {
      accountId: id,
      currency,
      decimals,
      nav: value?.nav ?? last?.nav,
      asOf: value?.ts ?? last?.ts,
      performance: performance(
        history.samples,
        history.flows.filter((f) => f.currency === currency)
      )
    }
    return { summary, decimals }
  })

const refusal = (
  cause: Cause.Cause<unknown>
): { status: PortalRequestError["status"]; message: string } | undefined => {
  const failure = Cause.failureOption(cause)
  if (Option.isNone(failure)) return undefined
  const e = failure.value
  if (e instanceof PortalRequestError) return e
  // The panel's decoder refuses with its own error class: the same status and line.
  if (typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "PanelRequestError") {
    return e as { status: PortalRequestError["status"]; message: string }
  }
  return undefined
}

const body = (c: Context<Env>) =>
  Effect.tryPromise({
    try: () => c.req.parseBody(),
    catch: () => new PortalRequestError({ status: 400, message: "the body is not a form" })
  })

const formField = async (c: Context<Env>, name: string): Promise<string | undefined> => {
  const type = c.req.header("content-type") ?? ""
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) return undefined
  const fields = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)
  const value = (fields as Record<string, unknown>)[name]
  return typeof value === "string" ? value : undefined
}

/** A valid argon2id hash of no one's password, verified for unknown names (timing does not tell which exist). */
const UNKNOWN_USER_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$bDZ0v4y5b068hwpvNvpt4w$iK+YNqazCs0ktGuO8hyhIGBxE8/nAY3FdC7DTsJSuHI"
