/**
 * Where a backtest (`meridian backtest`) stores its run, opened before the backtest runs so that a bad database fails at once.
 * A PostgreSQL server (`--db`, else `DATABASE_URL`) is connected and migrated first, and the run recorded in it
 * after. The embedded database is not opened at all (PGlite takes about a second to start): the run goes into its
 * inbox, a durable file that the embedded database ingests the next time it opens (the `runs` commands).
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Clock, Context, Effect, Layer, Option, type Scope } from "effect"
import { BacktestError } from "../backtest/Backtest"
import * as BacktestRuns from "./BacktestRuns"
import { type DatabaseChoice, serverUrl } from "./DatabaseChoice"
import * as RunInbox from "./RunInbox"

/** A completed run as a backtest hands it over: all but the time it is stored at and its status. */
export type CompletedRun = Omit<BacktestRuns.BacktestRun, "createdAt" | "status">

/** Stores a completed run, stamped with the time from `Clock` (µs); returns its id. */
export type StoreRun = (run: CompletedRun) => Effect.Effect<string, BacktestError>

const storeError = (e: { readonly message: string }) =>
  new BacktestError({ reason: "Config", message: `cannot store the run: ${e.message}` })

const stamped = (run: CompletedRun) =>
  Effect.map(Clock.currentTimeNanos, (nanos) => ({
    ...run,
    createdAt: Number(nanos / 1000n),
    status: "completed" as const
  }))

export const openRunStore = (
  choice: DatabaseChoice
): Effect.Effect<StoreRun, BacktestError, Scope.Scope | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const server = yield* serverUrl(choice).pipe(Effect.mapError(storeError))
    if (Option.isSome(server)) {
      // PostgreSQL's client (and PGlite, beside it in the module) load only when a server is named.
      const Database = yield* Effect.promise(() => import("./Database"))
      const context = yield* Layer.build(Layer.provide(BacktestRuns.layer, Database.layer(server.value))).pipe(
        Effect.mapError(storeError)
      )
      const runs = Context.get(context, BacktestRuns.BacktestRuns)
      return (run) => Effect.flatMap(stamped(run), (r) => runs.record(r)).pipe(Effect.mapError(storeError))
    }
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* RunInbox.prepare(choice.dbDir).pipe(Effect.mapError(storeError))
    return (run) =>
      Effect.flatMap(stamped(run), (r) => RunInbox.write(choice.dbDir, r)).pipe(
        Effect.mapError(storeError),
        Effect.provideService(FileSystem.FileSystem, fs),
        Effect.provideService(Path.Path, path)
      )
  })
