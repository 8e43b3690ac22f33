import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import type { ExecutionReport } from "@meridian/core/domain/Commands"
import { Duration, Effect } from "effect"
import { brokerScoped, eventually, stopChild, whileProgressing } from "../test/brokerProcess"
import { T0 } from "../test/connectorProcess"

const COUNT = 300
const CLIENT = "CRASHY"

/** The connector process; `kill -9`ed by the test or stopped with SIGTERM when the scope closes. */
const connector = (port: number, dir: string) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(import.meta.dirname, "..", "test", "connectorProcess.ts"),
          String(port),
          CLIENT,
          join(dir, "store.jsonl"),
          join(dir, "reports.jsonl"),
          String(COUNT)
        ],
        { stdio: ["ignore", "ignore", "pipe"] }
      )
    ),
    (child) => Effect.promise(() => stopChild(child))
  )

const reports = (dir: string): Array<ExecutionReport> => {
  const file = join(dir, "reports.jsonl")
  if (!existsSync(file)) return []
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ExecutionReport)
}

describe("FIX connector: kill -9 mid-session under load, then restart", () => {
  it.scopedLive(
    "sends no order twice and loses no execution report (checked against the simulator's own record)",
    () =>
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "meridian-fix-crash-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
        const broker = yield* brokerScoped()
        yield* Effect.promise(() => broker.quote("AAPL.XNAS", T0, "150.00", "150.01", "1000000"))

        const first = yield* connector(broker.fixPort, dir)
        // Mid-session: some orders answered, more still going out.
        yield* eventually(() => (reports(dir).length >= 60 ? true : undefined), Duration.seconds(120))
        first.kill("SIGKILL")
        yield* Effect.promise(() => new Promise((resolve) => first.once("exit", resolve)))
        const beforeRestart = reports(dir).length

        // While the connector is down the resting half fills: those reports wait at the broker.
        yield* Effect.promise(() => broker.quote("AAPL.XNAS", T0 + 10_000, "149.40", "149.50", "1000000"))
        yield* connector(broker.fixPort, dir)

        // Until every order reached the broker, filled, and each fill reached the connector's owner.
        yield* whileProgressing(
          async () => {
            const r = await broker.record()
            const fills = r.executions.filter((e) => e.session === CLIENT && e.execType === "F")
            const delivered = new Set(
              reports(dir).flatMap((x) => (x._tag === "VenueFilled" ? [x.tradeId as string] : []))
            )
            return {
              orders: r.orders.length,
              fills: fills.length,
              delivered: fills.filter((f) => delivered.has(f.execId)).length
            }
          },
          (p) => p.orders === COUNT && p.fills === COUNT && p.delivered === COUNT,
          // Covers the restarted process's start on a loaded machine, before its first report.
          Duration.seconds(90)
        )
        const record = yield* Effect.promise(() => broker.record())

        // Every order reached the broker once: none twice, none lost.
        expect(record.orders.filter((o) => o.session === CLIENT)).toHaveLength(COUNT)
        for (const o of record.orders) {
          expect(o.created).toBe(1)
          expect(o.duplicates).toBe(0)
        }
        // Every ExecutionReport the broker sent reached the connector's owner, each exactly once.
        const sent = record.executions.filter((e) => e.session === CLIENT)
        const got = reports(dir)
        const acceptedIds = got.filter((r) => r._tag === "VenueAccepted").map((r) => r.orderId)
        expect(new Set(acceptedIds).size).toBe(sent.filter((e) => e.execType === "0").length)
        const tradeIds = got.flatMap((r) => (r._tag === "VenueFilled" ? [r.tradeId] : []))
        expect(new Set(tradeIds)).toEqual(new Set(sent.filter((e) => e.execType === "F").map((e) => e.execId)))
        expect(tradeIds.length).toBe(new Set(tradeIds).size)
        // The crash did land mid-session: the restarted process had reports left to receive.
        expect(beforeRestart).toBeLessThan(got.length)
      }),
    // 104 s alone at load 22 on the 2-core machine, and a wait of 60 s ran out at load 30: room for a slower run.
    300_000
  )
})
