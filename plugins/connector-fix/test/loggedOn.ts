/**
 * A FIX connector logged on to a broker simulator of its own (both closed with the scope), its log lines and the
 * reports it gave kept for the test to read.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ExecutionReport } from "@meridian/core/domain/Commands"
import { makeSpecs } from "@meridian/core/domain/InstrumentSpec"
import { Duration, Effect, Redacted, type Scope } from "effect"
import { AAPL, currencies } from "../../../test/fixtures/instruments"
import * as FixExecution from "../src/FixExecution"
import { brokerScoped, eventually } from "./brokerProcess"

/**
 * Log on as `senderCompId` with `secret` (the simulator's password); resolves once the session is up. `route` gives
 * the port to connect to for the simulator's (by default, the simulator's own).
 */
export const loggedOn = (
  senderCompId: string,
  secret: string,
  route: (fixPort: number) => Effect.Effect<number, never, Scope.Scope> = Effect.succeed
) =>
  Effect.gen(function* () {
    const dir = mkdtempSync(join(tmpdir(), "meridian-fix-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    const broker = yield* brokerScoped(["--password-env", "FIX_SIM_PASSWORD"], { FIX_SIM_PASSWORD: secret })
    const lines: Array<string> = []
    const fix = yield* FixExecution.make(
      {
        host: "127.0.0.1",
        port: yield* route(broker.fixPort),
        senderCompId,
        targetCompId: "BROKER",
        password: Redacted.make(secret),
        heartbeatSeconds: 30,
        storeFile: join(dir, "store.jsonl")
      },
      makeSpecs([AAPL], currencies),
      { log: (line) => lines.push(line) }
    )
    const reports: Array<ExecutionReport> = []
    yield* fix.execution.reports((r) => reports.push(r))
    yield* eventually(() => (fix.stats().loggedOn ? true : undefined), Duration.seconds(30))
    /** Waits (at most 20 s) until the reports so far satisfy `done`. */
    const until = (done: (r: ReadonlyArray<ExecutionReport>) => boolean) =>
      eventually(() => (done(reports) ? true : undefined), Duration.seconds(20))
    return { broker, fix, lines, reports, until }
  })
