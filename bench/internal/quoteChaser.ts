/**
 * The tick-to-order bench's strategy: one resting limit buy per quote of the first instrument, 1 % under the bid,
 * so every market data event makes exactly one order and no order ever fills.
 */
import { Accounts } from "@meridian/core/services/Accounts"
import { MarketData } from "@meridian/core/services/MarketData"
import * as Strategy from "@meridian/core/strategy/Strategy"
import { Effect, Schema } from "effect"

export default Strategy.make({
  id: "quote-chaser",
  description: "A limit buy under the bid at every quote (the tick-to-order bench)",
  params: Schema.Struct({}),
  program: () =>
    Effect.gen(function* () {
      const marketData = yield* MarketData
      const accounts = yield* Accounts
      const instrument = marketData.instruments[0]!
      yield* marketData.subscribe(instrument.id, {
        onQuote: (quote) => {
          accounts.submit({
            instrumentId: quote.instrumentId,
            side: "buy",
            type: "limit",
            quantity: 1,
            limitPrice: Math.floor(quote.bidPrice * 0.99),
            timeInForce: "GTC"
          })
        }
      })
    })
})
