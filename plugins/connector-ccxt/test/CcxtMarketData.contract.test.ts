/** The shared MarketData contract, for the ccxt connector on Binance spot and USD-M futures (the fake venue). */
import { NodeSocket } from "@effect/platform-node"
import * as Decimal from "@meridian/core/domain/Decimal"
import type { InstrumentId } from "@meridian/core/domain/Ids"
import { Effect } from "effect"
import { type ContractLevels, marketDataContract } from "../../../test/contracts/MarketDataContract"
import * as FakeBinance from "./FakeBinance"
import { configFor, connect, until } from "./harness"

for (const kind of ["spot", "usdm"] as const) {
  marketDataContract(
    `ccxt ${kind === "spot" ? "Binance spot" : "Binance USD-M futures"} (fake venue on loopback)`,
    Effect.gen(function* () {
      const fake = yield* FakeBinance.make(kind)
      const connector = yield* connect(configFor(fake))
      const venue = connector.instruments.bySymbol.get("BTCUSDT")!
      const price = (ticks: number) => Decimal.fromUnits(ticks, venue.tick)
      const size = (lots: number) => Decimal.fromUnits(lots, venue.lot)
      /** The change from the fake's book to `levels`, as the venue streams it: changed levels, removed at "0". */
      const diff = (current: Map<string, string>, levels: ContractLevels): Array<[string, string]> => {
        const next = new Map(levels.map(([p, s]) => [price(p), size(s)] as const))
        const out: Array<[string, string]> = []
        for (const p of current.keys()) if (!next.has(p)) out.push([p, "0"])
        for (const [p, s] of next) if (current.get(p) !== s) out.push([p, s])
        return out
      }
      let lose = false
      let lastTrade: string | undefined
      return {
        instrumentId: venue.id as InstrumentId,
        subscribe: (handler) =>
          Effect.gen(function* () {
            yield* connector.marketData.events(handler).pipe(Effect.provide(NodeSocket.layerWebSocketConstructor))
            yield* until("the first book snapshot", () => connector.marketData.stats().snapshots > 0)
          }),
        book: (bids, asks) =>
          Effect.gen(function* () {
            const book = fake.book("BTCUSDT")
            yield* fake.depth("BTCUSDT", diff(book.bids, bids), diff(book.asks, asks), { lose })
            lose = false
          }),
        trade: (_id, p, s, aggressor) =>
          Effect.map(fake.trade("BTCUSDT", price(p), size(s), aggressor === "sell"), (text) => {
            lastTrade = text
          }),
        settle: Effect.void,
        loseNextBookChange: Effect.sync(() => {
          lose = true
        }),
        disconnect: Effect.gen(function* () {
          const snapshots = connector.marketData.stats().snapshots
          yield* fake.disconnect("market")
          yield* until(
            "the reconnection",
            () => fake.connections("market") > 0 && connector.marketData.stats().snapshots > snapshots
          )
          if (lastTrade !== undefined) yield* fake.sendMarket(lastTrade)
        })
      }
    })
  )
}
