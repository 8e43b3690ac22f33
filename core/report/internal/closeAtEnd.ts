/**
 * "Finalize trades", as other backtesters call it: positions still open after the last event are closed at a
 * given price (a bar backtest closes at the last bar's open, as backtesting.py's `finalize_trades` does), each by
 * one closing fill with the fee the venue would charge, and the last equity sample becomes what the account holds
 * after those fills. No order goes through the engine: there is no event left to trade on.
 */
import type { Fill } from "../../domain/Fill"
import type { InstrumentId, TradeId } from "../../domain/Ids"
import { type InstrumentSpec, notional } from "../../domain/InstrumentSpec"
import { lots, minor, ticks, timestamp } from "../../domain/Units"
import type { ReportInput } from "./model"
import type { Mark } from "./roundTrips"

/** The fee of a closing fill of `quantity` lots at `price` ticks, in minor units of the instrument's currency. */
export type EndFee = (spec: InstrumentSpec, price: number, quantity: number) => number

/**
 * `input` with each open position closed at `exits` of its instrument (the price and time of the closing fill),
 * valued before at `marks` (the price of the last equity sample). An instrument without an exit price is left open.
 */
export const closeAtEnd = (
  input: ReportInput,
  exits: ReadonlyMap<string, Mark>,
  marks: ReadonlyMap<string, Mark>,
  fee: EndFee
): ReportInput => {
  const positions = new Map<InstrumentId, { quantity: number; last: Fill }>()
  for (const fill of input.fills) {
    const held = positions.get(fill.instrumentId) ?? { quantity: 0, last: fill }
    held.quantity += fill.side === "buy" ? fill.quantity : -fill.quantity
    held.last = fill
    positions.set(fill.instrumentId, held)
  }
  const closing: Array<Fill> = []
  let change = 0
  for (const [id, { quantity, last }] of positions) {
    const exit = exits.get(id)
    const spec = input.specs.byId.get(id)
    if (quantity === 0 || exit === undefined || spec === undefined) continue
    const size = Math.abs(quantity)
    const charged = fee(spec, exit.price, size)
    const sign = quantity > 0 ? 1 : -1
    const mark = marks.get(id) ?? exit
    change += sign * (notional(spec, exit.price, size) - notional(spec, mark.price, size)) - charged
    closing.push({
      ...last,
      tradeId: `END-${closing.length + 1}` as TradeId,
      side: quantity > 0 ? "sell" : "buy",
      quantity: lots(size),
      price: ticks(exit.price),
      fee: minor(charged),
      liquidity: "taker",
      ts: timestamp(Math.max(exit.ts, last.ts))
    })
  }
  if (closing.length === 0) return input
  const n = input.equity.equity.length
  const equity = Float64Array.from(input.equity.equity)
  if (n > 0) equity[n - 1] = equity[n - 1]! + change
  const fills = [...input.fills, ...closing].sort((a, b) => a.ts - b.ts)
  return { ...input, fills, equity: { ...input.equity, equity }, closedAtEnd: true }
}
