/**
 * What `meridian user add` runs: read the password (an environment variable, else the first line of stdin, never
 * echoed or printed), hash it with argon2id and store the user with its role in the central database.
 *
 * @since 0.1.0
 */
import { createInterface } from "node:readline"
import { Clock, Config, Console, Effect, Layer, Option, Redacted, Schema } from "effect"
import { databaseLayer } from "../../core/db/ChosenDatabase"
import type { DatabaseChoice } from "../../core/db/DatabaseChoice"
import * as PanelUsers from "../../core/db/PanelUsers"
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

export const add = (
  o: DatabaseChoice & {
    readonly name: string
    readonly role: PanelUsers.Role
    readonly passwordEnv: Option.Option<string>
  }
) =>
  Effect.gen(function* () {
    const name = yield* Schema.decodeUnknown(Name)(o.name).pipe(
      Effect.mapError(
        () => new UserError({ message: `name ${JSON.stringify(o.name)}: a name is 1 to 100 letters, digits or ._@-` })
      )
    )
    const password = Redacted.make(yield* passwordFrom(o.passwordEnv))
    if (Redacted.value(password).length < MIN_PASSWORD) {
      return yield* new UserError({ message: `the password must have at least ${MIN_PASSWORD} characters` })
    }
    const passwordHash = yield* Password.hash(password)
    const users = yield* PanelUsers.PanelUsers
    yield* users.add({ name, role: o.role, passwordHash, now: (yield* Clock.currentTimeMillis) * 1000 })
    yield* users.audit({
      actor: "cli",
      action: "user.add",
      subject: `user:${name}`,
      ts: (yield* Clock.currentTimeMillis) * 1000,
      before: null,
      after: { name, role: o.role }
    })
    yield* Console.log(`user ${name} added (${o.role})`)
  }).pipe(Effect.provide(Layer.provide(PanelUsers.layer, databaseLayer(o))))
