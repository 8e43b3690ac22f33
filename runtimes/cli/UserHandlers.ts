/**
 * What `meridian user add` runs: read the password (an environment variable, else the first line of stdin, never
 * echoed or printed), hash it with argon2id and store the user with its role in the central database; an investor
 * with the accounts it sees in the Client Portal (`--account`, one or more), in the same transaction.
 *
 * @since 0.1.0
 */
import { createInterface } from "node:readline"
import { SqlClient } from "@effect/sql"
import { Clock, Config, Console, Effect, Layer, Option, Redacted, Schema } from "effect"
import { databaseLayer } from "../../core/db/ChosenDatabase"
import type { DatabaseChoice } from "../../core/db/DatabaseChoice"
import { toDatabaseError } from "../../core/db/DatabaseError"
import * as Investors from "../../core/db/Investors"
import * as PanelUsers from "../../core/db/PanelUsers"
import { AccountId } from "../../core/domain/Ids"
import * as Password from "../../site/panel/Password"

/** The password is not there or too short. */
export class UserError extends Schema.TaggedError<UserError>()("UserError", { message: Schema.String }) {}

const MIN_PASSWORD = 8

const Name = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._@-]{1,100}$/, { message: () => "a name is 1 to 100 letters, digits or ._@-" })
)

/** The first line of stdin; on a terminal with echo off, so the password does not show. */
const stdinLine = Effect.async<string, UserError>((resume) => {
  const tty = process.stdin.isTTY === true
  if (tty) {
    process.stderr.write("password: ")
    process.stdin.setRawMode(true)
  }
  let line = ""
  const done = (error?: string) => {
    if (tty) {
      process.stdin.setRawMode(false)
      process.stderr.write("\n")
    }
    process.stdin.pause()
    resume(error === undefined ? Effect.succeed(line) : Effect.fail(new UserError({ message: error })))
  }
  if (tty) {
    process.stdin.on("data", (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return done()
        if (char === "\u0003") return done("canceled")
        line = char === "\u007f" ? line.slice(0, -1) : line + char
      }
    })
    process.stdin.resume()
  } else {
    const reader = createInterface({ input: process.stdin })
    let got = false
    reader.once("line", (first) => {
      got = true
      line = first
      reader.close()
    })
    reader.once("close", () => done(got ? undefined : "no password on stdin"))
  }
})

const passwordFrom = (env: Option.Option<string>) =>
  Option.match(env, {
    onNone: () => stdinLine,
    onSome: (name) => Config.string(name).pipe(Effect.mapError(() => new UserError({ message: `${name} is not set` })))
  })

/**
 * Store a user with its password's hash and an investor's accounts, audited as added by the CLI, in one transaction.
 * The browser tests store their users with it too, so their database holds what `meridian user add` leaves.
 */
export const storeUser = (user: {
  readonly name: string
  readonly role: PanelUsers.Role
  readonly accounts: ReadonlyArray<AccountId>
  readonly passwordHash: string
}) =>
  Effect.gen(function* () {
    const users = yield* PanelUsers.PanelUsers
    const investors = yield* Investors.Investors
    const sql = yield* SqlClient.SqlClient
    const { name, role, accounts } = user
    const now = (yield* Clock.currentTimeMillis) * 1000
    yield* sql
      .withTransaction(
        Effect.all([
          users.add({ name, role, passwordHash: user.passwordHash, now }),
          investors.bind(name, accounts),
          users.audit({
            actor: "cli",
            action: "user.add",
            subject: `user:${name}`,
            ts: now,
            before: null,
            after: { name, role, ...(accounts.length === 0 ? {} : { accounts }) }
          })
        ])
      )
      .pipe(Effect.catchTag("SqlError", (e) => Effect.fail(toDatabaseError("Query", `cannot add user ${name}`)(e))))
  })

export const add = (
  o: DatabaseChoice & {
    readonly name: string
    readonly role: PanelUsers.Role
    readonly account: ReadonlyArray<string>
    readonly passwordEnv: Option.Option<string>
  }
) =>
  Effect.gen(function* () {
    const name = yield* Schema.decodeUnknown(Name)(o.name).pipe(
      Effect.mapError(
        () => new UserError({ message: `name ${JSON.stringify(o.name)}: a name is 1 to 100 letters, digits or ._@-` })
      )
    )
    const accounts = yield* Effect.forEach(o.account, (id) =>
      Schema.decodeUnknown(AccountId)(id).pipe(
        Effect.mapError(() => new UserError({ message: `--account ${JSON.stringify(id)}: not an account id` }))
      )
    )
    if (o.role !== "investor" && accounts.length > 0) {
      return yield* new UserError({ message: "--account: only an investor is bound to accounts" })
    }
    const password = Redacted.make(yield* passwordFrom(o.passwordEnv))
    if (Redacted.value(password).length < MIN_PASSWORD) {
      return yield* new UserError({ message: `the password must have at least ${MIN_PASSWORD} characters` })
    }
    yield* storeUser({ name, role: o.role, accounts, passwordHash: yield* Password.hash(password) })
    yield* Console.log(`user ${name} added (${o.role}${accounts.length === 0 ? "" : `: ${accounts.join(", ")}`})`)
  }).pipe(Effect.provide(Layer.provideMerge(Layer.merge(PanelUsers.layer, Investors.layer), databaseLayer(o))))

/** `meridian user bind`: more accounts for an existing investor, audited. */
export const bind = (o: DatabaseChoice & { readonly name: string; readonly account: ReadonlyArray<string> }) =>
  Effect.gen(function* () {
    const accounts = yield* Effect.forEach(o.account, (id) =>
      Schema.decodeUnknown(AccountId)(id).pipe(
        Effect.mapError(() => new UserError({ message: `--account ${JSON.stringify(id)}: not an account id` }))
      )
    )
    if (accounts.length === 0) return yield* new UserError({ message: "--account: name at least one account" })
    const users = yield* PanelUsers.PanelUsers
    const login = yield* users.findLogin(o.name)
    if (Option.isNone(login) || !login.value.roles.includes("investor")) {
      return yield* new UserError({ message: `${o.name}: no investor of that name` })
    }
    const investors = yield* Investors.Investors
    const before = yield* investors.accountsOf(login.value.id)
    yield* investors.bind(login.value.id, accounts)
    const after = yield* investors.accountsOf(login.value.id)
    yield* users.audit({
      actor: "cli",
      action: "user.bind",
      subject: `user:${login.value.id}`,
      ts: (yield* Clock.currentTimeMillis) * 1000,
      before: { accounts: before },
      after: { accounts: after }
    })
    yield* Console.log(`${o.name} sees ${after.join(", ")}`)
  }).pipe(Effect.provide(Layer.provideMerge(Layer.merge(PanelUsers.layer, Investors.layer), databaseLayer(o))))
