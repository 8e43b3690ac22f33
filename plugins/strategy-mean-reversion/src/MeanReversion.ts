/**
 * Mean reversion on Bollinger bands. On each bar close (or quote mid price) the bands are `period` prices around
 * their mean, `k` standard deviations wide. A close below the lower band buys; in `long-short` mode a close above
 * the upper band sells short. The position is closed when the price comes back to the middle band. Entries are
 * market orders sized by `sizing`.
 *
 * With `useBrackets` each entry is a bracket: the entry, a stop-loss `stopLossPct` percent away and a take-profit
 * limit at the middle band, the two exits working as an OCO pair once the entry fills. The take-profit follows the
 * middle band as it moves (`accounts.replace`); where the Accounts Service refuses the move, it stays where it was.
 *
 * @since 0.1.0
 */

import type { ClientOrderId, InstrumentId } from "@meridian/core/domain/Ids"
import type { OrderInput } from "@meridian/core/services/Accounts"
import * as Indicators from "@meridian/core/strategy/Indicators"
import { traded } from "@meridian/core/strategy/Instruments"
import { instrumentField } from "@meridian/core/strategy/Params"
import * as Sizing from "@meridian/core/strategy/Sizing"
import * as Strategy from "@meridian/core/strategy/Strategy"
import { Effect, Schema } from "effect"
import { OwnOrders } from "./OwnOrders"

export const Params = Schema.Struct({
  ...instrumentField,
  /** Prices in the bands' window. */
  period: Schema.optionalWith(Schema.Int.pipe(Schema.between(2, 10_000)), { default: () => 20 }),
  /** Band half-width in standard deviations. */
  k: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(10)), {
    default: () => 2
  }),
  mode: Schema.optionalWith(Schema.Literal("long-only", "long-short"), { default: () => "long-only" as const }),
  sizing: Schema.optionalWith(Sizing.SizingFromString, {
    default: () => ({ _tag: "PercentOfEquity", percent: 95, at: "signal" }) as const
  }),
  /** Enter with a bracket: stop-loss and take-profit at the middle band, as an OCO pair. */
  useBrackets: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** Distance of a bracket's stop-loss from the entry price, in percent. */
  stopLossPct: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThan(100)), {
    default: () => 2
  })
})
export type Params = typeof Params.Type

/** A bracket's stop-loss price in ticks, on the losing side of `price` and on the tick grid. */
export const stopPrice = (side: "buy" | "sell", price: number, stopLossPct: number): number =>
  side === "buy" ? Math.floor((price * (100 - stopLossPct)) / 100) : Math.ceil((price * (100 + stopLossPct)) / 100)

/** A take-profit at the middle band: rounded away from the entry, so it never exits on the wrong side of it. */
export const takeProfitPrice = (side: "buy" | "sell", middle: number): number =>
  side === "buy" ? Math.ceil(middle) : Math.floor(middle)

export const meanReversion = Strategy.make({
  id: "strategy-mean-reversion",
  description: "Bollinger-band mean reversion: buy below the lower band, exit at the middle band",
  params: Params,
  program: (params) =>
    Effect.gen(function* () {
      const { marketData, accounts, instrument, spec } = yield* traded(params.instrument)
      const id: InstrumentId = instrument.id
      const bands = Indicators.bollinger(params.period, params.k)
      const own = new OwnOrders()
      // The take-profit leg of the current bracket, the limit price last asked for it, and whether it may move: the
      // Accounts Service can refuse the move (a cash account counts both exits as open sells), and then it stays.
      let takeProfit: ClientOrderId | undefined
      let takeProfitAt = 0
      let takeProfitFixed = false
      yield* accounts.subscribe((event) => {
        own.onEvent(event)
        if (event._tag === "OrderModifyRejected" && event.clientOrderId === takeProfit) takeProfitFixed = true
      })

      const order = (side: "buy" | "sell", quantity: number): OrderInput => ({
        instrumentId: id,
        side,
        type: "market",
        quantity,
        timeInForce: "GTC"
      })

      const enter = (side: "buy" | "sell", price: number, middle: number) => {
        if (!params.useBrackets) {
          const size = Sizing.entry(params.sizing, spec, price, accounts.equity())
          const budget = size.notionalLimit
          if (size.quantity > 0) {
            own.track(
              accounts.submit({ ...order(side, size.quantity), ...(budget !== undefined && { notionalLimit: budget }) })
            )
          }
          return
        }
        // The exits carry the entry's quantity, so a bracket is always sized at the signal price.
        const lots = Sizing.quantity(params.sizing, spec, price, accounts.equity())
        if (lots <= 0) return
        const exit = side === "buy" ? "sell" : "buy"
        takeProfitAt = takeProfitPrice(side, middle)
        const ids = own.track(
          accounts.submitList("bracket", [
            order(side, lots),
            {
              ...order(exit, lots),
              type: "stop",
              stopPrice: stopPrice(side, price, params.stopLossPct),
              reduceOnly: true
            },
            { ...order(exit, lots), type: "limit", limitPrice: takeProfitAt, reduceOnly: true }
          ])
        )
        takeProfit = ids[2]
        takeProfitFixed = false
      }

      const onPrice = (price: number) => {
        const band = bands.add(price)
        if (band === undefined) return
        const position = accounts.position(id)
        if (position !== 0) {
          if (own.isOpen(takeProfit)) {
            // The bracket exits on its own; keep its take-profit on the middle band.
            const target = takeProfitPrice(position > 0 ? "buy" : "sell", band.middle)
            if (target !== takeProfitAt && !takeProfitFixed) {
              takeProfitAt = target
              accounts.replace(takeProfit!, { limitPrice: target })
            }
            return
          }
          if (own.size > 0) return
          if (position > 0 ? price >= band.middle : price <= band.middle) {
            own.track(
              accounts.submit({ ...order(position > 0 ? "sell" : "buy", Math.abs(position)), reduceOnly: true })
            )
          }
          return
        }
        // Flat: wait for what is still working (an entry on its way) before anything new.
        if (own.size > 0) return
        if (price < band.lower) enter("buy", price, band.middle)
        else if (price > band.upper && params.mode === "long-short") enter("sell", price, band.middle)
      }

      yield* marketData.subscribe(id, {
        onBar: (bar) => onPrice(bar.close),
        onQuote: (quote) => {
          if (quote.bidSize > 0 && quote.askSize > 0) onPrice((quote.bidPrice + quote.askPrice) / 2)
        }
      })
    })
})
