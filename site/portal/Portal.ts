/**
 * The Client Portal: a Hono app, server-rendered, for investors. An investor sees only the accounts bound to them
 * (`meridian user add --role investor --account <id>`): NAV, returns by day, month, year and since inception, the
 * drawdown chart and monthly returns (from `NavHistory`, recorded by the session's process: `NavRecorder`), statements for a chosen period as
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
import { Cause, Clock, Effect, Option, Runtime, Schema } from "effect"
import { type Context, Hono } from "hono"
import { CashRequests } from "../../core/db/CashRequests"
import { Investors } from "../../core/db/Investors"
import { NavHistory } from "../../core/db/NavHistory"
import type { PanelUsers } from "../../core/db/PanelUsers"
import { minorIncrement, UnitsFromDecimal } from "../../core/domain/Decimal"
import { CurrencyCode } from "../../core/domain/Ids"
import { decode, field, formBody } from "../panel/internal/request"
import { signIn } from "../panel/internal/signIn"
import { randomToken } from "../panel/internal/tokens"
import type { ChartLibrary } from "../report/ReportPage"
import { AccountsDesk } from "./AccountsDesk"
import { errorPage, type Investor, page } from "./internal/layout"
import { performance } from "./internal/performance"
import { type AccountSummary, accountPage, accountsList, statementCsv, statementPage } from "./internal/views"

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

    const handle = signIn(app, runtime, {
      app: "portal",
      sessionCookie: "meridian_portal",
      loginCookie: "meridian_portal_login",
      clientAddress: options.clientAddress,
      page: (title, body) => page(title, undefined, body),
      errorPage,
      enter: (c, s) =>
        c.set("investor", { userId: s.userId, name: s.name, csrfToken: s.csrfToken, tokenHash: s.tokenHash }),
      viewer: (c) => c.get("investor"),
      refusal: (e) => (e instanceof PortalRequestError ? e : undefined),
      only: { role: "investor", refused: "the Client Portal is for investors: operators use the Control Panel" }
    })

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
          const form = yield* Effect.flatMap(formBody(c), decode(CashForm))
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
