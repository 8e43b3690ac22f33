/**
 * The demo's logins of `meridian up --panel` (what `npm start` runs): `demo`, an admin of the Control Panel (every
 * page and action: it deploys and backtests as a quant does, and operates as an operator does), and
 * `demo-investor`, who sees the session's account in the Client Portal. Both share one password, generated at
 * random on the first start (never a fixed one: the panel may be served beyond this machine with `--host`) and kept
 * beside the embedded database in `.meridian/demo-login.json`, readable by its owner only, as the session's keys
 * are. A later start finds the users and the file and creates nothing; it binds the investor to the session's
 * account if that is new.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { Clock, Effect, Option, Redacted, Schema } from "effect"
import * as Investors from "../../core/db/Investors"
import * as PanelUsers from "../../core/db/PanelUsers"
import * as Password from "../../site/panel/Password"
import { SessionError } from "./SessionFolder"

/** The Control Panel's demo user and the Client Portal's. */
export const DEMO_USER = "demo"
export const DEMO_INVESTOR = "demo-investor"

const Stored = Schema.parseJson(Schema.Struct({ name: Schema.String, password: Schema.String }))

/** The demo login: its password, and whether this start created it (then the password is printed). */
export interface DemoLogin {
  readonly name: string
  readonly investor: string
  readonly password: Option.Option<string>
  readonly created: boolean
  /** Where the password is kept. */
  readonly file: string
}

/** The demo's users, created on the first start; `accountId` is the account the investor sees. */
export const ensure = (
  file: string,
  accountId: string
): Effect.Effect<DemoLogin, SessionError | PanelUsers.UserExists, PanelUsers.PanelUsers | Investors.Investors> =>
  Effect.gen(function* () {
    const users = yield* PanelUsers.PanelUsers
    const investors = yield* Investors.Investors
    const fail = (e: { readonly message: string }) => new SessionError({ message: `the demo login: ${e.message}` })
    const exists = Option.isSome(yield* Effect.mapError(users.findLogin(DEMO_USER), fail))
    const stored = existsSync(file)
      ? Option.getRight(Schema.decodeUnknownEither(Stored)(readFileSync(file, "utf8")))
      : Option.none()
    const now = (yield* Clock.currentTimeMillis) * 1000
    let password = Option.map(stored, (s) => s.password)
    if (!exists) {
      const generated = randomBytes(15).toString("base64url")
      password = Option.some(generated)
      const passwordHash = yield* Effect.mapError(Password.hash(Redacted.make(generated)), fail)
      // Written before the users: a start stopped in between finds no user and makes both again.
      writeFileSync(file, JSON.stringify({ name: DEMO_USER, password: generated }), { mode: 0o600 })
      yield* Effect.mapError(users.add({ name: DEMO_USER, role: "admin", passwordHash, now }), (e) =>
        e._tag === "UserExists" ? e : fail(e)
      )
      const investor = yield* Effect.mapError(users.findLogin(DEMO_INVESTOR), fail)
      if (Option.isNone(investor)) {
        yield* Effect.mapError(users.add({ name: DEMO_INVESTOR, role: "investor", passwordHash, now }), (e) =>
          e._tag === "UserExists" ? e : fail(e)
        )
      }
      yield* Effect.mapError(
        users.audit({
          actor: "meridian up",
          action: "user.add",
          subject: `user:${DEMO_USER}`,
          ts: now,
          before: null,
          after: { name: DEMO_USER, role: "admin", investor: DEMO_INVESTOR, accounts: [accountId] }
        }),
        fail
      )
    }
    yield* Effect.mapError(investors.bind(DEMO_INVESTOR, [accountId]), fail)
    return {
      name: DEMO_USER,
      investor: DEMO_INVESTOR,
      password,
      created: !exists,
      file
    }
  })
