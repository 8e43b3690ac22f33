/**
 * A market maker. On every quote it keeps one post-only limit order on each side: `spreadTicks` either side of the
 * mid price (or joining the best bid and ask), skewed by the inventory so that the side reducing it is the more
 * aggressive, and sized so that the position never goes beyond `maxInventory` lots either way (the side that
 * would increase it stops quoting). A quote is moved (`accounts.replace`) when the mid has moved `requoteTicks` or
 * the inventory has changed since it was priced; a rejected side waits for the same before it is sent again. Its
 * orders are followed from the account's events; when the strategy stops, every one of them is canceled.
 *
 * @since 0.1.0
 */

import type { InstrumentId } from "@meridian/core/domain/Ids"
import { traded } from "@meridian/core/strategy/Instruments"
import { instrumentField } from "@meridian/core/strategy/Params"
import * as Strategy from "@meridian/core/strategy/Strategy"
import { Effect, Schema } from "effect"
import { type QuoteTarget, quotePrices } from "./QuotePrices"
import { type QuoteSlot, WorkingQuotes } from "./WorkingQuotes"

const Lots = Schema.Int.pipe(Schema.positive())

export const Params = Schema.Struct({
  ...instrumentField,
  /** `mid`: `spreadTicks` either side of the mid; `join`: at the best bid and ask. */
  anchor: Schema.optionalWith(Schema.Literal("mid", "join"), { default: () => "mid" as const }),
  /** Lots per quote. */
  size: Schema.optionalWith(Lots, { default: () => 1 }),
  /** Half-spread in ticks around the mid. */
  spreadTicks: Schema.optionalWith(Lots, { default: () => 1 }),
  /** Ticks both quotes move against the inventory per `size` lots held. */
  skewTicks: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 1 }),
  /** The largest position, long or short, in lots. */
  maxInventory: Schema.optionalWith(Lots, { default: () => 10 }),
  /** Move of the mid, in ticks, that reprices the quotes. */
  requoteTicks: Schema.optionalWith(Lots, { default: () => 1 })
})
export type Params = typeof Params.Type

export const marketMaker = Strategy.make({
  id: "strategy-market-maker",
  description: "Market making: post-only quotes on both sides of the mid, skewed by inventory",
  params: Params,
  program: (params) =>
    Effect.gen(function* () {
      const { marketData, accounts, instrument } = yield* traded(params.instrument)
      const id: InstrumentId = instrument.id
      const quotes = new WorkingQuotes()
      const target: QuoteTarget = { bidPrice: 0, bidSize: 0, askPrice: 0, askSize: 0 }
      let stopped = false

      yield* accounts.subscribe((event) => quotes.onEvent(event))
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          stopped = true
          for (const slot of [quotes.bid, quotes.ask]) {
            if (slot.live && slot.state !== "canceling") {
              slot.state = "canceling"
              accounts.cancel(slot.clientOrderId!)
            }
          }
        })
      )

      const moved = (slot: QuoteSlot, mid: number, held: number) =>
        Math.abs(mid - slot.pricedMid) >= params.requoteTicks || held !== slot.pricedInventory

      const work = (slot: QuoteSlot, side: "buy" | "sell", price: number, size: number, mid: number, held: number) => {
        if (slot.state === "idle") {
          // After a rejection (no buying power, a short sale on a cash account, a post-only cross), wait for the
          // market or the inventory to change rather than resend the same order on every quote.
          if (size === 0 || (slot.refused && !moved(slot, mid, held))) return
          quotes.place(
            slot,
            price,
            size,
            accounts.submit({
              instrumentId: id,
              side,
              type: "limit",
              limitPrice: price,
              quantity: size,
              timeInForce: "GTC",
              postOnly: true
            })
          )
          slot.pricedMid = mid
          slot.pricedInventory = held
          return
        }
        // Wait for what is in flight before asking for more.
        if (slot.state !== "working") return
        if (size === 0) {
          slot.state = "canceling"
          accounts.cancel(slot.clientOrderId!)
          return
        }
        if (!moved(slot, mid, held)) return
        slot.pricedMid = mid
        slot.pricedInventory = held
        if (price === slot.price && size === slot.leaves) return
        slot.state = "amending"
        accounts.replace(slot.clientOrderId!, { limitPrice: price, quantity: slot.filled + size })
      }

      yield* marketData.subscribe(id, {
        onQuote: (quote) => {
          // A one-sided or crossed book gives no mid to quote around.
          if (stopped || quote.bidSize <= 0 || quote.askSize <= 0 || quote.bidPrice >= quote.askPrice) return
          const held = accounts.position(id)
          const mid = (quote.bidPrice + quote.askPrice) / 2
          quotePrices(target, params, quote.bidPrice, quote.askPrice, held)
          work(quotes.bid, "buy", target.bidPrice, target.bidSize, mid, held)
          work(quotes.ask, "sell", target.askPrice, target.askSize, mid, held)
        }
      })
    })
})
