/**
 * Signing in, shared by the Control Panel and the Client Portal (the same users and sessions, each app its own
 * cookies, pages and role rule): the login routes, the session middleware, logout, and the runner of Effect handlers.
 *
 * The login form carries a CSRF token of its own, double-submitted in a cookie, since there is no session yet.
 * Failed logins are counted per user name and client address: after `MAX_FAILED_LOGINS` within
 * `FAILED_LOGIN_WINDOW_MS`, that pair is refused until the window passes. A session is a random token in a `Secure`,
 * `HttpOnly`, `SameSite=Strict` cookie, stored as its SHA-256 with the session's CSRF token, which every
 * state-changing request must carry (`_csrf` field or `x-csrf-token` header).
 */
import { Cause, Clock, Effect, Exit, Option, Redacted, Runtime, Schema } from "effect"
import type { Context, Env, Hono } from "hono"
import { deleteCookie, getCookie, setCookie } from "hono/cookie"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { PanelUsers, type Role } from "../../../core/db/PanelUsers"
import * as Password from "../Password"
import type { Markup } from "./html"
import { csrfField, html } from "./html"
import { decode, field, formBody, PanelRequestError } from "./request"
import { digest, randomToken, sameToken } from "./tokens"

/** Failed logins of one user name from one address before that pair is refused. */
export const MAX_FAILED_LOGINS = 5
/** The window over which failed logins count, ms. */
export const FAILED_LOGIN_WINDOW_MS = 15 * 60_000
/** How long a session lasts after login, ms. */
export const SESSION_MS = 8 * 3600_000

/** A signed-in session, as the middleware hands it to the app. */
export interface Session {
  readonly userId: string
  readonly name: string
  readonly roles: ReadonlyArray<Role>
  readonly csrfToken: string
  readonly tokenHash: string
}

/** A failure shown as its status and one line. */
export interface Refusal {
  readonly status: ContentfulStatusCode
  readonly message: string
}

/** What an app decides for itself. */
export interface SignInOptions<E extends Env, V> {
  /** Names the app in its log and its 500 page. */
  readonly app: "panel" | "portal"
  readonly sessionCookie: string
  readonly loginCookie: string
  /** The client's address (the rate limit counts per user name and address). */
  readonly clientAddress: (c: Context) => string
  /** A page for no one signed in. */
  readonly page: (title: string, body: Markup) => string
  readonly errorPage: (status: number, message: string, viewer?: V) => string
  /** Keeps the session on the request, as the app's viewer. */
  readonly enter: (c: Context<E>, session: Session) => void
  readonly viewer: (c: Context<E>) => V
  /** The app's own refusals, besides `PanelRequestError`. */
  readonly refusal?: (failure: unknown) => Refusal | undefined
  /** Only this role signs in, and any other is refused at login with `refused`. */
  readonly only?: { readonly role: Role; readonly refused: string }
}

const nowMicros = Effect.map(Clock.currentTimeMillis, (ms) => ms * 1000)
const LoginForm = Schema.Struct({ name: field(100), password: field(1024), _csrf: field(100) })

/**
 * Register the login routes, the session middleware every later route passes, and logout on `app`; answer the
 * runner of Effect handlers: a refused request is its status and one line, any other failure a logged 500.
 */
export const signIn = <E extends Env, V extends { readonly tokenHash: string }, R>(
  app: Hono<E>,
  runtime: Runtime.Runtime<R | PanelUsers>,
  options: SignInOptions<E, V>
) => {
  const refusal = (cause: Cause.Cause<unknown>): Refusal | undefined => {
    const failure = Cause.failureOption(cause)
    if (Option.isNone(failure)) return undefined
    return failure.value instanceof PanelRequestError ? failure.value : options.refusal?.(failure.value)
  }

  const handle =
    <Err>(handler: (c: Context<E>) => Effect.Effect<Response, Err, R | PanelUsers>) =>
    async (c: Context<E>): Promise<Response> => {
      const exit = await Runtime.runPromiseExit(runtime)(
        handler(c).pipe(
          Effect.tapErrorCause((cause) =>
            refusal(cause) === undefined ? Effect.logError(`${options.app} request failed`, cause) : Effect.void
          )
        )
      )
      if (Exit.isSuccess(exit)) return exit.value
      const refused = refusal(exit.cause) ?? {
        status: 500,
        message: `the request failed; the ${options.app}'s log has the details`
      }
      return c.html(options.errorPage(refused.status, refused.message, options.viewer(c)), refused.status)
    }

  app.get("/login", (c) => {
    const token = getCookie(c, options.loginCookie) ?? randomToken()
    setCookie(c, options.loginCookie, token, { httpOnly: true, secure: true, sameSite: "Strict", path: "/login" })
    return c.html(options.page("Log in", loginForm(token)))
  })

  app.post(
    "/login",
    handle((c) =>
      Effect.gen(function* () {
        const form = yield* Effect.flatMap(formBody(c), decode(LoginForm))
        const expected = getCookie(c, options.loginCookie)
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
          return c.html(options.page("Log in", loginForm(expected, "wrong name or password")), 401)
        }
        yield* users.clearFailures(form.name, address)
        if (options.only !== undefined && !login.value.roles.includes(options.only.role)) {
          return yield* new PanelRequestError({ status: 403, message: options.only.refused })
        }
        const token = randomToken()
        yield* users.openSession({
          tokenHash: yield* digest(token),
          userId: login.value.id,
          csrfToken: randomToken(),
          now,
          expiresAt: now + SESSION_MS * 1000
        })
        setCookie(c, options.sessionCookie, token, {
          httpOnly: true,
          secure: true,
          sameSite: "Strict",
          path: "/",
          maxAge: SESSION_MS / 1000
        })
        deleteCookie(c, options.loginCookie, { path: "/login", secure: true })
        return c.redirect("/", 303)
      })
    )
  )

  // Every later route: a live session (of the app's role, if it has one), and its CSRF token on any state change.
  app.use("*", async (c, next) => {
    const token = getCookie(c, options.sessionCookie)
    const found =
      token === undefined
        ? Option.none()
        : await Runtime.runPromise(runtime)(
            Effect.gen(function* () {
              const tokenHash = yield* digest(token)
              const s = yield* (yield* PanelUsers).findSession(tokenHash, yield* nowMicros)
              return Option.map(
                Option.filter(s, (s) => options.only === undefined || s.roles.includes(options.only.role)),
                (s): Session => ({ ...s, tokenHash })
              )
            }).pipe(Effect.orElseSucceed(() => Option.none()))
          )
    if (Option.isNone(found)) {
      return c.req.method === "GET" ? c.redirect("/login", 303) : c.html(options.errorPage(401, "log in first"), 401)
    }
    options.enter(c, found.value)
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const sent = c.req.header("x-csrf-token") ?? (await formField(c, "_csrf"))
      if (sent === undefined || !sameToken(sent, found.value.csrfToken)) {
        return c.html(options.errorPage(403, "the request's CSRF token is missing or wrong", options.viewer(c)), 403)
      }
    }
    await next()
  })

  app.post(
    "/logout",
    handle((c) =>
      Effect.gen(function* () {
        yield* (yield* PanelUsers).closeSession(options.viewer(c).tokenHash)
        deleteCookie(c, options.sessionCookie, { path: "/", secure: true })
        return c.redirect("/login", 303)
      })
    )
  )

  return handle
}

const loginForm = (csrfToken: string, message?: string): Markup =>
  html`${message === undefined ? "" : html`<p class="error" id="message">${message}</p>`}
<form method="post" action="/login" id="login">${csrfField(csrfToken)}
<p><label>Name <input name="name" autocomplete="username" required></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button>Log in</button></p></form>`

const formField = async (c: Context, name: string): Promise<string | undefined> => {
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
