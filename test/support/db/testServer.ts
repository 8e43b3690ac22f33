/**
 * The real PostgreSQL server of the tests and benchmarks: `MERIDIAN_TEST_PG_URL` if set, else a private cluster
 * started from the local binaries, else none. Each user gets its own empty database on it.
 */
import { Config, Effect, Layer, Option, type Scope } from "effect"
import * as Database from "../../../core/db/Database"
import type { DatabaseError } from "../../../core/db/DatabaseError"
import { findPostgresBin, startLocalCluster } from "./localCluster"
import { scratchDatabase } from "./scratchDatabase"

/** How the real server will be reached, decided without starting anything. */
export type ServerSource =
  | { readonly _tag: "Url"; readonly url: string }
  | { readonly _tag: "Local"; readonly bin: string }
  | { readonly _tag: "None"; readonly why: string }

/** Where the real server comes from on this machine. */
export const serverSource = (): ServerSource => {
  const url = Effect.runSync(Config.option(Config.string("MERIDIAN_TEST_PG_URL")).pipe(Effect.orDie))
  if (Option.isSome(url)) return { _tag: "Url", url: url.value }
  const bin = findPostgresBin()
  return bin === undefined
    ? { _tag: "None", why: "MERIDIAN_TEST_PG_URL is unset and no initdb/pg_ctl on PATH or in /usr/lib/postgresql" }
    : { _tag: "Local", bin }
}

/** Whether the real-server suites must run (CI sets `MERIDIAN_TEST_PG_REQUIRED=1`): then they fail instead. */
export const serverRequired = (): boolean =>
  Effect.runSync(Config.boolean("MERIDIAN_TEST_PG_REQUIRED").pipe(Config.withDefault(false), Effect.orDie))

/** The URL of a fresh database `name` on the server of `source`. */
export const serverDatabase = (
  source: Exclude<ServerSource, { _tag: "None" }>,
  name: string
): Effect.Effect<string, DatabaseError, Scope.Scope> =>
  Effect.flatMap(source._tag === "Url" ? Effect.succeed(source.url) : startLocalCluster(source.bin), (adminUrl) =>
    scratchDatabase(adminUrl, name)
  )

/** The central database on a fresh database `name` of the real server. */
export const serverLayer = (
  source: Exclude<ServerSource, { _tag: "None" }>,
  name: string,
  options: Database.ServerOptions = {}
): Layer.Layer<Database.Database, DatabaseError> =>
  Layer.unwrapScoped(Effect.map(serverDatabase(source, name), (url) => Database.layer(url, options)))
