/**
 * One strategy, written once on `subscribeBars(..., "1m", ...)` closes, runs over 1-minute bars and over the trades
 * those bars were built from, and sends the same orders at the same times.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { BarBuilder, type Columns, TradeBuilder } from "../../core/data/Columns"
import type { AccountEvent } from "../../core/domain/Events"
import type { InstrumentId } from "../../core/domain/Ids"
import type { BarPeriod } from "../../core/domain/MarketData"
import { Accounts } from "../../core/services/Accounts"
import { MarketData } from "../../core/services/MarketData"
import { BarAggregator } from "../../core/strategy/BarAggregator"
import { RollingMean } from "../../core/strategy/RollingMean"
import { subscribeBars } from "../../core/strategy/SubscribeBars"
import { runBacktest, SPX } from "../backtest/support"

type OrderSubmitted = Extract<AccountEvent, { _tag: "OrderSubmitted" }>

const MINUTE = 60_000_000
const START = 1_704_189_600_000_000 // 2024-01-02T10:00Z
const MINUTES = 400

/** mulberry32: a small seeded generator, so the data are the same on every run. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

/** 1 to 6 trades a minute at random microseconds, prices a random walk in ticks, sizes of 20 to 119 lots. */
const makeTrades = (seed: number) => {
  const random = prng(seed)
  const trades = new TradeBuilder()
  let price = 500_000
  for (let m = 0; m < MINUTES; m++) {
    const count = 1 + Math.floor(random() * 6)
    const offsets = Array.from({ length: count }, () => Math.floor(random() * MINUTE)).sort((a, b) => a - b)
    for (const offset of offsets) {
      price += Math.floor(random() * 61) - 30
      trades.add(START + m * MINUTE + offset, 0, price, 20 + Math.floor(random() * 100), 0)
    }
  }
  return trades.build()
}

/** The completed 1-minute bars of the trades (the last, still open, is left out as a recorder would). */
const barsOf = (trades: ReturnType<typeof makeTrades>) => {
  const bars = new BarBuilder()
  const aggregator = new BarAggregator({
    instrumentId: SPX.id,
    period: "1m" as BarPeriod,
    onBar: (b) => bars.add(b.openTs, 0, b.periodUs, b.open, b.high, b.low, b.close, b.volume)
  })
  for (let i = 0; i < trades.length; i++) aggregator.trade(trades.ts[i]!, trades.price[i]!, trades.size[i]!)
  return bars.build()
}

/** SMA 5/20 crossover on 1-minute closes: buy 10 lots on a cross up, sell the position on a cross down. */
const smaOnBars = (seen: Array<string>) =>
  Effect.gen(function* () {
    const marketData = yield* MarketData
    const accounts = yield* Accounts
    const id = marketData.instruments[0]!.id as InstrumentId
    const fast = new RollingMean(5)
    const slow = new RollingMean(20)
    let above: boolean | undefined
    yield* subscribeBars(marketData, id, "1m" as BarPeriod, (bar) => {
      seen.push(`${bar.ts} ${bar.open} ${bar.high} ${bar.low} ${bar.close} ${bar.volume}`)
      const f = fast.update(bar.close)
      const s = slow.update(bar.close)
      if (f === undefined || s === undefined) return
      const nowAbove = f > s
      if (above !== undefined && nowAbove !== above) {
        const position = accounts.position(id)
        if (nowAbove && position === 0) {
          accounts.submit({ instrumentId: id, side: "buy", type: "market", quantity: 10, timeInForce: "GTC" })
        } else if (!nowAbove && position > 0) {
          accounts.submit({ instrumentId: id, side: "sell", type: "market", quantity: position, timeInForce: "GTC" })
        }
      }
      above = nowAbove
    })
  })

const backtest = (data: Columns) =>
  Effect.gen(function* () {
    const bars: Array<string> = []
    const events: Array<AccountEvent> = []
    const result = yield* runBacktest({ data: [data], strategy: smaOnBars(bars), deposit: 1_000_000_000, events })
    const submitted = events.filter((e): e is OrderSubmitted => e._tag === "OrderSubmitted")
    return { bars, submitted, fills: result.fills }
  })

describe("a strategy on subscribeBars", () => {
  it.effect("sends the same orders from 1-minute bars as from the trades they were built from", () =>
    Effect.gen(function* () {
      const trades = makeTrades(7)
      const bars = barsOf(trades)
      expect(bars.length).toBe(MINUTES - 1)
      const fromBars = yield* backtest(bars)
      const fromTrades = yield* backtest(trades)

      // The strategy saw the same bars, at the same times (a bar is known at its close in both).
      expect(fromTrades.bars).toEqual(fromBars.bars)
      expect(fromBars.bars).toHaveLength(MINUTES - 1)

      const orders = (events: ReadonlyArray<OrderSubmitted>) =>
        events.map((e) => `${e.ts} ${e.order.side} ${e.order.quantity} ${e.order.type}`)
      expect(fromBars.submitted.length).toBeGreaterThan(6)
      expect(orders(fromTrades.submitted)).toEqual(orders(fromBars.submitted))
      // Submitted at bar closes: whole minutes after the start.
      for (const e of fromTrades.submitted) expect((e.ts - START) % MINUTE).toBe(0)

      // Fills differ, as they should: with bar data a market order fills at the close of the bar that triggered it
      // (barFill "close"), at that close's time; with trades it fills at the next trade, after the bar's end.
      expect(fromTrades.fills.map((f) => f.quantity)).toEqual(fromBars.fills.map((f) => f.quantity))
      fromBars.fills.forEach((fill, i) => {
        const other = fromTrades.fills[i]!
        expect(fill.ts).toBe(fromBars.submitted[i]!.ts)
        expect(other.ts).toBeGreaterThanOrEqual(fill.ts)
        expect(other.ts - fill.ts).toBeLessThan(MINUTE)
      })
      expect(fromTrades.fills.some((f, i) => f.price !== fromBars.fills[i]!.price)).toBe(true)
    })
  )
})
