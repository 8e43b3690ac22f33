import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { run } from "../../core/backtest/Backtest"
import type { Fill } from "../../core/domain/Fill"
import smaCross from "../../plugins/strategy-sma-cross/src/index"
import { currencies } from "../fixtures/instruments"
import { SPX, simVenue, sp500Bars } from "./support"

const DEPOSIT = 10_000_000

/** Cash after each fill: SPX is 0.01 a tick, 1 a lot, in cents, so a fill's notional is price × quantity. */
const cashPath = (fills: ReadonlyArray<Fill>): Array<number> => {
  let cash = DEPOSIT
  return fills.map((f) => {
    cash += (f.side === "buy" ? -1 : 1) * f.price * f.quantity - f.fee
    return cash
  })
}

const backtest = (sizing: string, kind: "cash" | "margin" = "cash", mode = "long-only") =>
  run({
    instruments: [SPX],
    currencies,
    data: [sp500Bars()],
    strategyId: "sma",
    strategy: smaCross.program(Schema.decodeUnknownSync(smaCross.params)({ fast: 10, slow: 30, sizing, mode })),
    account: { id: "acc", kind, baseCurrency: "USD", deposit: DEPOSIT },
    venue: simVenue("next-open")
  })

describe("percent-of-equity sizing at the fill price", () => {
  it.effect("never spends more cash than the account holds, fee included, where sizing at the signal price does", () =>
    Effect.gen(function* () {
      const atFill = yield* backtest("equity:100@fill")
      expect(atFill.rejections).toBe(0)
      expect(atFill.fills.length).toBeGreaterThan(100)
      expect(Math.min(...cashPath(atFill.fills))).toBeGreaterThanOrEqual(0)
      // Sized at the signal (the close), an entry that fills at a higher next open overdraws the account.
      const atSignal = yield* backtest("equity:100")
      expect(Math.min(...cashPath(atSignal.fills))).toBeLessThan(0)
    })
  )

  it.effect("works on a margin account, long and short, for any percent of equity", () =>
    Effect.gen(function* () {
      for (const percent of [50, 51, 95, 100]) {
        const result = yield* backtest(`equity:${percent}@fill`, "margin", "long-short")
        expect(result.rejections, `equity:${percent}@fill`).toBe(0)
        // Every crossing after the first trades: a long and a short entry at least 100 times each.
        const entries = result.fills.filter((f, i) => i === 0 || f.side === result.fills[i - 1]!.side)
        expect(entries.filter((f) => f.side === "buy").length).toBeGreaterThan(80)
        expect(entries.filter((f) => f.side === "sell").length).toBeGreaterThan(80)
      }
    })
  )
})
