import { describe, expect, it } from "@effect/vitest"
import { type Columns, QuoteBuilder, TradeBuilder } from "@meridian/core/data/Columns"
import type { AccountEvent } from "@meridian/core/domain/Events"
import type { Order } from "@meridian/core/domain/Order"
import { Accounts, type AccountsService } from "@meridian/core/services/Accounts"
import { Effect, Schema } from "effect"
import { runBacktest } from "../../../test/backtest/support"
import { marketMaker } from "./MarketMaker"

const SECOND = 1_000_000
const START = 1_704_067_200_000_000 // 2024-01-01T00:00Z

interface Run {
  readonly events: Array<AccountEvent>
  /** Client order ids the strategy canceled. */
  readonly cancels: Array<string>
}

const backtest = (
  params: Record<string, unknown>,
  data: ReadonlyArray<Columns>,
  kind: "cash" | "margin" = "margin"
) => {
  const seen: Run = { events: [], cancels: [] }
  // The strategy sees the real Accounts port with its cancels recorded.
  const spied = (inner: AccountsService): AccountsService => ({
    ...inner,
    cancel: (clientOrderId) => {
      seen.cancels.push(clientOrderId)
      inner.cancel(clientOrderId)
    }
  })
  return runBacktest({
    data,
    kind,
    deposit: 100_000_000,
    events: seen.events,
    strategy: Effect.flatMap(Accounts, (accounts) =>
      marketMaker
        .program(Schema.decodeUnknownSync(marketMaker.params)(params))
        .pipe(Effect.provideService(Accounts, spied(accounts)))
    )
  }).pipe(Effect.map((result) => ({ ...seen, result })))
}

const submitted = (events: ReadonlyArray<AccountEvent>): Array<Order> =>
  events.flatMap((e) => (e._tag === "OrderSubmitted" ? [e.order] : []))

const positions = (events: ReadonlyArray<AccountEvent>): Array<number> =>
  events.flatMap((e) => (e._tag === "PositionChanged" ? [e.position.quantity] : []))

/** Quotes every second; trades half a second after the quotes whose index is listed. */
const market = (
  quotes: ReadonlyArray<readonly [bid: number, ask: number]>,
  trades: ReadonlyArray<readonly [after: number, price: number, size: number, aggressor: number]> = []
): Array<Columns> => {
  const q = new QuoteBuilder()
  quotes.forEach(([bid, ask], i) => {
    q.add(START + i * SECOND, 0, bid, 100, ask, 100)
  })
  const t = new TradeBuilder()
  for (const [after, price, size, aggressor] of trades)
    t.add(START + after * SECOND + SECOND / 2, 0, price, size, aggressor)
  return t.length === 0 ? [q.build()] : [q.build(), t.build()]
}

const flat = (n: number) => Array.from({ length: n }, () => [10_000, 10_002] as const)

describe("strategy-market-maker", () => {
  it.effect("quotes both sides around the mid with post-only limits, and cancels them on stop", () =>
    Effect.gen(function* () {
      const { events, cancels, result } = yield* backtest({ size: 3, spreadTicks: 2 }, market(flat(5)))
      // Mid 10001: bid 10001 − 2 = 9999, ask 10001 + 2 = 10003; nothing moves, so nothing else is sent.
      const orders = submitted(events)
      expect(orders.map((o) => [o.side, o.type, o.limitPrice, o.quantity, o.postOnly])).toEqual([
        ["buy", "limit", 9_999, 3, true],
        ["sell", "limit", 10_003, 3, true]
      ])
      expect(events.filter((e) => e._tag === "OrderAccepted")).toHaveLength(2)
      expect(result.fills).toEqual([])
      // On stop, both working quotes are canceled, and the Accounts Service takes the cancels.
      expect(cancels).toEqual(orders.map((o) => o.clientOrderId))
      expect(events.filter((e) => e._tag === "OrderModifyRejected")).toEqual([])
    })
  )

  it.effect("joins the best bid and ask in join mode", () =>
    Effect.gen(function* () {
      const { events } = yield* backtest({ anchor: "join", size: 1 }, market(flat(2)))
      expect(submitted(events).map((o) => o.limitPrice)).toEqual([10_000, 10_002])
    })
  )

  it.effect(
    "never holds more than maxInventory under a one-sided flow of sells through its bid, skewing as it buys",
    () =>
      Effect.gen(function* () {
        // Sellers print at 9990 after every quote, through whatever bid is resting.
        const trades = Array.from({ length: 9 }, (_, i) => [i, 9_990, 5, 2] as const)
        const { events, result } = yield* backtest(
          { size: 2, spreadTicks: 1, skewTicks: 1, maxInventory: 5 },
          market(flat(10), trades)
        )
        // Inventory 0: bid 10000 × 2. Inventory 2 (shift 1 tick): bid 9999 × 2, ask moved to 10001. Inventory 4
        // (shift 2): bid 9998 cut to 1 lot, ask 10000 held at the best bid + 1 = 10001. Inventory 5: no bid.
        expect(result.fills.map((f) => `${f.side} ${f.quantity}@${f.price} ${f.liquidity}`)).toEqual([
          "buy 2@10000 maker",
          "buy 2@9999 maker",
          "buy 1@9998 maker"
        ])
        expect(positions(events)).toEqual([2, 4, 5])
        const replaced = events.flatMap((e) => (e._tag === "OrderReplaced" ? [e.limitPrice] : []))
        expect(replaced).toEqual([10_001])
        // The last quote left working is the ask; the bid side stopped quoting at the limit.
        const bids = submitted(events).filter((o) => o.side === "buy")
        expect(bids.map((o) => [o.limitPrice, o.quantity])).toEqual([
          [10_000, 2],
          [9_999, 2],
          [9_998, 1]
        ])
      })
  )

  it.effect("raises its quotes when short: the bid becomes the aggressive side", () =>
    Effect.gen(function* () {
      // Buyers lift the ask at 10010 once: the market maker is short 2.
      const { events, result } = yield* backtest({ size: 2, skewTicks: 1 }, market(flat(3), [[0, 10_010, 2, 1]]))
      expect(result.fills.map((f) => `${f.side} ${f.quantity}@${f.price}`)).toEqual(["sell 2@10002"])
      // Inventory −2, shift −1 tick: bid ⌊10000 + 1⌋ = 10001 (the best ask − 1), ask ⌈10002 + 1⌉ = 10003.
      const replaced = events.flatMap((e) => (e._tag === "OrderReplaced" ? [e.limitPrice] : []))
      expect(replaced).toEqual([10_001])
      expect(submitted(events).map((o) => [o.side, o.limitPrice])).toEqual([
        ["buy", 10_000],
        ["sell", 10_002],
        ["sell", 10_003]
      ])
    })
  )

  it.effect("moves its quotes only when the mid has moved requoteTicks", () =>
    Effect.gen(function* () {
      const quotes = [
        [10_000, 10_002], // mid 10001: 9998 / 10004
        [10_001, 10_003], // mid 10002: moved 1 < 2, kept
        [10_002, 10_004], // mid 10003: moved 2, repriced 10000 / 10006
        [10_002, 10_004]
      ] as const
      const { events, result } = yield* backtest({ spreadTicks: 3, requoteTicks: 2 }, market(quotes))
      const replaced = events.flatMap((e) => (e._tag === "OrderReplaced" ? [[e.limitPrice, e.ts]] : []))
      expect(replaced).toEqual([
        [10_000, START + 2 * SECOND],
        [10_006, START + 2 * SECOND]
      ])
      expect(result.fills).toEqual([])
      expect(submitted(events)).toHaveLength(2)
    })
  )

  it.effect("on a cash account, a refused ask waits for inventory instead of being resent on every quote", () =>
    Effect.gen(function* () {
      // Nothing to sell at first: the ask is refused once. A seller hits the bid after the third quote; with 2 lots
      // held the ask goes out at ⌈10002 − 1⌉ = 10001.
      const { events, result } = yield* backtest({ size: 2 }, market(flat(6), [[2, 9_990, 2, 2]]), "cash")
      const rejected = events.flatMap((e) => (e._tag === "OrderRejected" ? [e.reason] : []))
      expect(rejected).toEqual(["BUYING_POWER"])
      expect(result.fills.map((f) => `${f.side} ${f.quantity}@${f.price}`)).toEqual(["buy 2@10000"])
      expect(submitted(events).map((o) => [o.side, o.limitPrice])).toEqual([
        ["buy", 10_000],
        ["buy", 9_999],
        ["sell", 10_001]
      ])
    })
  )

  it.effect("in a random market, only ever fills as a maker and stays within maxInventory", () =>
    Effect.gen(function* () {
      for (const seed of [1, 2, 3]) {
        const random = mulberry32(seed)
        const quotes: Array<readonly [number, number]> = []
        const trades: Array<readonly [number, number, number, number]> = []
        let mid = 10_000
        for (let i = 0; i < 400; i++) {
          mid += Math.floor(random() * 7) - 3
          const half = 1 + Math.floor(random() * 3)
          quotes.push([mid - half, mid + half])
          if (random() < 0.5) {
            const buyer = random() < 0.5
            trades.push([i, buyer ? mid + half + 2 : mid - half - 2, 1 + Math.floor(random() * 4), buyer ? 1 : 2])
          }
        }
        const maxInventory = 6
        const { events, result } = yield* backtest({ size: 2, skewTicks: 1, maxInventory }, market(quotes, trades))
        expect(result.fills.length).toBeGreaterThan(20)
        expect(result.fills.every((f) => f.liquidity === "maker")).toBe(true)
        // The flow pushes the inventory to the limit, never past it.
        expect(Math.max(...positions(events).map(Math.abs))).toBe(maxInventory)
        expect(submitted(events).every((o) => o.postOnly && o.type === "limit")).toBe(true)
        expect(result.rejections).toBe(0)
      }
    })
  )
})

/** A small seeded generator for test data. */
const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}
