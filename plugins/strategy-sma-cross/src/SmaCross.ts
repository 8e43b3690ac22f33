/**
 * Moving-average crossover. When the fast average of closes (or of quote mid prices) crosses above the slow one,
 * close any short and go long; when it crosses below, close any long and — in `long-short` mode — go short.
 * Orders are market orders sized by `sizing`. A reversal sends the close first; sized at the fill price
 * (`equity:P@fill`), its new position spends P% of the cash that close leaves at the fill (`fundsShare`), as the
 * Python backtesters size an all-in reversal.
 *
 * @since 0.1.0
 */

import { traded } from "@meridian/core/strategy/Instruments"
import { instrumentField } from "@meridian/core/strategy/Params"
import { RollingMean } from "@meridian/core/strategy/RollingMean"
import * as Sizing from "@meridian/core/strategy/Sizing"
import * as Strategy from "@meridian/core/strategy/Strategy"
import { Effect, Schema } from "effect"

const Period = Schema.Int.pipe(Schema.between(1, 10_000))

export const Params = Schema.Struct({
  ...instrumentField,
  fast: Schema.optionalWith(Period, { default: () => 10 }),
  slow: Schema.optionalWith(Period, { default: () => 30 }),
  mode: Schema.optionalWith(Schema.Literal("long-only", "long-short"), { default: () => "long-only" as const }),
  sizing: Schema.optionalWith(Sizing.SizingFromString, {
    default: () => ({ _tag: "PercentOfEquity", percent: 100, at: "signal" }) as const
  })
}).pipe(Schema.filter((p) => (p.fast < p.slow ? true : { path: ["fast"], message: "fast must be shorter than slow" })))
export type Params = typeof Params.Type

export const smaCross = Strategy.make({
  id: "strategy-sma-cross",
  description: "Moving-average crossover: long when the fast average is above the slow one",
  params: Params,
  program: (params) =>
    Effect.gen(function* () {
      const { marketData, accounts, instrument, spec } = yield* traded(params.instrument)
      const id = instrument.id
      const fast = new RollingMean(params.fast)
      const slow = new RollingMean(params.slow)
      let above: boolean | undefined

      const trade = (goLong: boolean, price: number) => {
        const position = accounts.position(id)
        const wantShort = !goLong && params.mode === "long-short"
        const closing = goLong ? position < 0 : position > 0
        if (closing) {
          accounts.submit({
            instrumentId: id,
            side: goLong ? "buy" : "sell",
            type: "market",
            quantity: Math.abs(position),
            timeInForce: "GTC",
            reduceOnly: true
          })
        }
        if (!goLong && !wantShort) return
        if (goLong ? position > 0 : position < 0) return
        // Cash freed by the closing order is not settled yet: size on equity, which already counts it, or at the
        // fill on the cash the close leaves then.
        const size = (closing ? Sizing.reversal : Sizing.entry)(params.sizing, spec, price, accounts.equity())
        const { notionalLimit, fundsShare } = size
        if (size.quantity > 0) {
          accounts.submit({
            instrumentId: id,
            side: goLong ? "buy" : "sell",
            type: "market",
            quantity: size.quantity,
            timeInForce: "GTC",
            ...(notionalLimit !== undefined && { notionalLimit }),
            ...(fundsShare !== undefined && { fundsShare })
          })
        }
      }

      const onPrice = (price: number) => {
        const f = fast.update(price)
        const s = slow.update(price)
        if (f === undefined || s === undefined) return
        const nowAbove = f > s
        if (above !== undefined && nowAbove !== above) trade(nowAbove, price)
        above = nowAbove
      }

      yield* marketData.subscribe(id, {
        onBar: (bar) => onPrice(bar.close),
        onQuote: (quote) => onPrice((quote.bidPrice + quote.askPrice) / 2)
      })
    })
})
