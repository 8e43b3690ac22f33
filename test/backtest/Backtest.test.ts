import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Schema } from "effect"
import { BarBuilder } from "../../core/data/Columns"
import { Accounts } from "../../core/services/Accounts"
import { MarketData } from "../../core/services/MarketData"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import smaCross from "../../plugins/strategy-sma-cross/src/index"
import { runSimBacktest } from "../../runtimes/cli/SimBacktest"
import { buyOnceSource } from "../fixtures/strategyFiles"
import { reportOf, runBacktest, SPX, simVenue, sp500Bars, sp500Path } from "./support"

const DAY = 86_400_000_000

const smaBacktest = (barFill: "next-open" | "close") =>
  runBacktest({
    data: [sp500Bars()],
    strategy: smaCross.program(Schema.decodeUnknownSync(smaCross.params)({ fast: 10, slow: 30 })),
    venue: simVenue(barFill)
  }).pipe(Effect.map(reportOf))

describe("Backtest", () => {
  it.effect("gives byte-identical results when run twice", () =>
    Effect.gen(function* () {
      const first = yield* smaBacktest("next-open")
      const second = yield* smaBacktest("next-open")
      expect(second).toBe(first)
      const report = JSON.parse(first)
      expect(report.stats.trades).toBeGreaterThan(50)
      // Buy and hold from the first close (2000-01-03, 1455.22) to the last (2020-04-17, 2874.56).
      expect(report.stats.buyAndHoldReturnPct).toBeCloseTo((2874.56 / 1455.22 - 1) * 100, 1)
      expect(yield* smaBacktest("close")).not.toBe(first)
    })
  )

  it.effect("fires strategy timers from the replay's clock, between events and at their own time", () =>
    Effect.gen(function* () {
      const bars = new BarBuilder()
      const start = 1_704_067_200_000_000 // 2024-01-01T00:00Z
      for (let d = 0; d < 10; d++) bars.add(start + d * DAY, 0, DAY, 10_000, 10_100, 9_900, 10_000 + d, 1_000)
      const seen: Array<string> = []
      const strategy = Effect.gen(function* () {
        const marketData = yield* MarketData
        const accounts = yield* Accounts
        yield* marketData.subscribe(SPX.id, { onBar: (bar) => seen.push(`bar ${(bar.ts - start) / DAY}`) })
        // Every 36 hours of simulated time: buy one lot, and note the clock.
        yield* Effect.forkScoped(
          Effect.forever(
            Effect.gen(function* () {
              yield* Effect.sleep(Duration.hours(36))
              const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
              seen.push(`timer ${(now * 1000 - start) / DAY}`)
              accounts.submit({
                instrumentId: SPX.id,
                side: "buy",
                type: "market",
                quantity: 1 as never,
                timeInForce: "GTC"
              })
            })
          )
        )
      })
      const result = yield* runBacktest({ data: [bars.build()], strategy })
      // Bars are known at their close (day d + 1); timers fire at 1.5, 3, 4.5, ... days, and a timer due at the
      // time of an event fires before it.
      expect(seen.slice(0, 6), seen.join(", ")).toEqual(["bar 1", "timer 1.5", "bar 2", "timer 3", "bar 3", "bar 4"])
      expect(seen.filter((s) => s.startsWith("timer"))).toHaveLength(6)
      expect(result.orders).toBe(6)
      expect(result.fills).toHaveLength(6)
    })
  )

  it.effect("refuses market data that go back in time, from one source or several", () =>
    Effect.gen(function* () {
      const bars = new BarBuilder()
      const start = 1_704_067_200_000_000
      for (const d of [0, 2, 1]) bars.add(start + d * DAY, 0, DAY, 10_000, 10_100, 9_900, 10_000, 1_000)
      const data = bars.build()
      for (const sources of [[data], [data, data]]) {
        const error = yield* runBacktest({ data: sources, strategy: Effect.void }).pipe(Effect.flip)
        expect(String((error as { message?: string }).message)).toMatch(/back in time|not sorted|order/)
      }
    })
  )

  it.effect("loads a strategy from a TypeScript file and decodes its parameters", () =>
    Effect.gen(function* () {
      // Inside the project, as a user's file would be, so that `@meridian/core` resolves as the README says.
      const cache = join(process.cwd(), "node_modules", ".cache")
      mkdirSync(cache, { recursive: true })
      const file = join(mkdtempSync(join(cache, "strategy-")), "buy-and-hold.ts")
      writeFileSync(file, buyOnceSource("buy-and-hold"))
      const job = {
        strategy: file,
        data: [sp500Path],
        instruments: ["SPX.SIM"],
        params: { lots: "50" },
        cash: "100000",
        currency: "USD",
        tickSize: "0.01",
        lotSize: "1",
        timezone: "America/New_York",
        accountKind: "cash" as const,
        historyDir: ".meridian/history",
        venue: { barFill: "next-open" as const, commission: "0", latencyUs: 0, seed: 1 }
      }
      const outcome = yield* runSimBacktest(job)
      expect(outcome.table).toMatch(/buy-and-hold on SPX.SIM: 5105 events, 1 orders, 1 fills/)
      const bad = yield* runSimBacktest({ ...job, params: { lots: "many" } }).pipe(Effect.flip)
      expect(bad.message).toMatch(/lots: Expected number, actual "many"/)
    }).pipe(Effect.provide(StaticDataSet.layerShipped), Effect.provide(NodeContext.layer))
  )
})
