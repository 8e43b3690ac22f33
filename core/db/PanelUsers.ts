/**
 * The people of the Control Panel in the central database: users and their roles (`users`, `user_roles`), their
 * login sessions (`web_sessions`, by the SHA-256 of the cookie's token), failed logins (`login_failures`) and the
 * audit log of what they changed (`audit_log`). Hashing passwords and making tokens is the caller's: this module
 * only stores. Times are µs since the epoch.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"

/**
 * The roles of `roles`, from the most to the least powerful.
 *
 * @since 0.1.0
 * @category models
 */
export const Role = Schema.Literal("admin", "operator", "quant", "investor")
export type Role = typeof Role.Type

/**
 * A user of that name exists already.
 *
 * @since 0.1.0
 * @category errors
 */
export class UserExists extends Schema.TaggedError<UserExists>()("UserExists", {
  name: Schema.String,
  message: Schema.String
}) {}

/**
 * What a login checks: the stored hash, whether the user may sign in, and the roles it grants.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoginRecord {
  readonly id: string
  readonly name: string
  readonly passwordHash: string
  readonly disabled: boolean
  readonly roles: ReadonlyArray<Role>
}

/**
 * A live login session: who, with which roles, and the token its forms must carry.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebSession {
  readonly userId: string
  readonly name: string
  readonly roles: ReadonlyArray<Role>
  readonly csrfToken: string
  readonly expiresAt: number
}

/**
 * One entry of the audit log: `before` and `after` are what a revert needs.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuditEntry {
  readonly actor: string
  readonly action: string
  readonly subject: string
  readonly ts: number
  readonly before: unknown
  readonly after: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface PanelUsersService {
  /** A new user with one role; its id is its name. Fails with `UserExists` when the name is taken. */
  readonly add: (user: {
    readonly name: string
    readonly role: Role
    readonly passwordHash: string
    readonly now: number
  }) => Effect.Effect<void, DatabaseError | UserExists>
  readonly findLogin: (name: string) => Effect.Effect<Option.Option<LoginRecord>, DatabaseError>
  readonly openSession: (session: {
    readonly tokenHash: string
    readonly userId: string
    readonly csrfToken: string
    readonly now: number
    readonly expiresAt: number
  }) => Effect.Effect<void, DatabaseError>
  /** The session of that token hash unless expired (an expired one is deleted). */
  readonly findSession: (tokenHash: string, now: number) => Effect.Effect<Option.Option<WebSession>, DatabaseError>
  readonly closeSession: (tokenHash: string) => Effect.Effect<void, DatabaseError>
  readonly recordFailure: (name: string, address: string, now: number) => Effect.Effect<void, DatabaseError>
  /** Failed logins of `name` from `address` at or after `since`. */
  readonly failuresSince: (name: string, address: string, since: number) => Effect.Effect<number, DatabaseError>
  readonly clearFailures: (name: string, address: string) => Effect.Effect<void, DatabaseError>
  readonly audit: (entry: AuditEntry) => Effect.Effect<void, DatabaseError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class PanelUsers extends Context.Tag("@meridian/core/db/PanelUsers")<PanelUsers, PanelUsersService>() {}

const decodeRoles = Schema.decodeUnknownSync(Schema.Array(Role))

/**
 * The service over the central database.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<PanelUsersService, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const query = (message: string) => Effect.mapError(toDatabaseError("Query", message))

  const add: PanelUsersService["add"] = (user) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          const taken = yield* sql<{ id: string }>`SELECT id FROM users WHERE id = ${user.name} OR name = ${user.name}`
          if (taken.length > 0) return false
          yield* sql`INSERT INTO users ${sql.insert({
            id: user.name,
            name: user.name,
            password_hash: user.passwordHash,
            created_at: user.now
          })}`
          yield* sql`INSERT INTO user_roles ${sql.insert({ user_id: user.name, role: user.role })}`
          return true
        })
      )
      .pipe(
        query(`cannot add user ${user.name}`),
        Effect.flatMap((added) =>
          added ? Effect.void : Effect.fail(new UserExists({ name: user.name, message: `user ${user.name} exists` }))
        )
      )

  const findLogin: PanelUsersService["findLogin"] = (name) =>
    sql<{ id: string; name: string; password_hash: string | null; disabled: boolean; roles: Array<string> }>`
      SELECT u.id, u.name, u.password_hash, u.disabled,
        coalesce(array_agg(r.role) FILTER (WHERE r.role IS NOT NULL), '{}') AS roles
      FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
      WHERE u.name = ${name} GROUP BY u.id`.pipe(
      query(`cannot read user ${name}`),
      Effect.map((rows) =>
        Option.flatMap(Option.fromNullable(rows[0]), (row) =>
          row.password_hash === null
            ? Option.none()
            : Option.some({
                id: row.id,
                name: row.name,
                passwordHash: row.password_hash,
                disabled: row.disabled,
                roles: decodeRoles(row.roles)
              })
        )
      )
    )

  const openSession: PanelUsersService["openSession"] = (session) =>
    sql`INSERT INTO web_sessions ${sql.insert({
      token_hash: session.tokenHash,
      user_id: session.userId,
      csrf_token: session.csrfToken,
      created_at: session.now,
      expires_at: session.expiresAt
    })}`.pipe(query("cannot open a session"), Effect.asVoid)

  const findSession: PanelUsersService["findSession"] = (tokenHash, now) =>
    Effect.gen(function* () {
      // Expired sessions of anyone go at the same time: the table never grows past the live ones.
      yield* sql`DELETE FROM web_sessions WHERE expires_at <= ${now}`
      const rows = yield* sql<{
        user_id: string
        name: string
        csrf_token: string
        expires_at: string
        disabled: boolean
        roles: Array<string>
      }>`
        SELECT s.user_id, u.name, s.csrf_token, s.expires_at, u.disabled,
          coalesce(array_agg(r.role) FILTER (WHERE r.role IS NOT NULL), '{}') AS roles
        FROM web_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN user_roles r ON r.user_id = u.id
        WHERE s.token_hash = ${tokenHash}
        GROUP BY s.token_hash, u.id`
      return Option.flatMap(Option.fromNullable(rows[0]), (row) =>
        row.disabled
          ? Option.none()
          : Option.some({
              userId: row.user_id,
              name: row.name,
              roles: decodeRoles(row.roles),
              csrfToken: row.csrf_token,
              expiresAt: Number(row.expires_at)
            })
      )
    }).pipe(query("cannot read a session"))

  const closeSession: PanelUsersService["closeSession"] = (tokenHash) =>
    sql`DELETE FROM web_sessions WHERE token_hash = ${tokenHash}`.pipe(query("cannot close a session"), Effect.asVoid)

  const recordFailure: PanelUsersService["recordFailure"] = (name, address, now) =>
    sql`INSERT INTO login_failures ${sql.insert({ user_name: name, address, ts: now })}`.pipe(
      query("cannot record a failed login"),
      Effect.asVoid
    )

  const failuresSince: PanelUsersService["failuresSince"] = (name, address, since) =>
    sql<{ n: string }>`
      SELECT count(*) AS n FROM login_failures
      WHERE user_name = ${name} AND address = ${address} AND ts >= ${since}`.pipe(
      query("cannot count failed logins"),
      Effect.map((rows) => Number(rows[0]?.n ?? 0))
    )

  const clearFailures: PanelUsersService["clearFailures"] = (name, address) =>
    sql`DELETE FROM login_failures WHERE user_name = ${name} AND address = ${address}`.pipe(
      query("cannot clear failed logins"),
      Effect.asVoid
    )

  const audit: PanelUsersService["audit"] = (entry) =>
    sql`INSERT INTO audit_log ${sql.insert({
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      ts: entry.ts,
      before: JSON.stringify(entry.before ?? null),
      after: JSON.stringify(entry.after ?? null)
    })}`.pipe(query(`cannot audit ${entry.action}`), Effect.asVoid)

  return { add, findLogin, openSession, findSession, closeSession, recordFailure, failuresSince, clearFailures, audit }
})

/**
 * `PanelUsers` on the database layer's client.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<PanelUsers, never, SqlClient.SqlClient> = Layer.effect(PanelUsers, make)
