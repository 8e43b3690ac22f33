/**
 * Round trips from fills: a trade opens when an instrument's position leaves flat and closes when it returns to
 * flat. A fill that flips the position through zero is split: the part that flattens closes the trade, the rest
 * opens the next one, and the fill's fee is shared between the two parts in proportion to their lots. A trade
 * still open at the end is reported apart, its remaining position marked at the instrument's last price.
 */
import type { Fill } from "../../domain/Fill"
import type { CurrencyCode, InstrumentId } from "../../domain/Ids"
import { type InstrumentSpec, type InstrumentSpecs, notional } from "../../domain/InstrumentSpec"
import { add, mul, mulDivRound } from "../../domain/SafeInt"

/** A closed round trip in exact units (ticks, lots, minor units of the instrument's currency). */
export interface RoundTrip {
  readonly spec: InstrumentSpec
  readonly side: "long" | "short"
  /** Lots entered, equal to the lots exited. */
  readonly quantity: number
  readonly entryTs: number
  readonly exitTs: number
  /** Σ price × lots over the entry fills; divided by `quantity` it is the average entry price in ticks. */
  readonly entryPriceLots: number
  readonly exitPriceLots: number
  /** Σ |notional| of the entry fills: the capital the trade put at risk. */
  readonly entryNotional: number
  /** Realized cash flow of all its fills, net of `fees`. */
  readonly pnl: number
  readonly fees: number
}

interface OpenTrade {
  side: "long" | "short"
  position: number
  entered: number
  entryTs: number
  entryPriceLots: number
  exitPriceLots: number
  entryNotional: number
  cash: number
  fees: number
}

const EMPTY: OpenTrade = {
  side: "long",
  position: 0,
  entered: 0,
  entryTs: 0,
  entryPriceLots: 0,
  exitPriceLots: 0,
  entryNotional: 0,
  cash: 0,
  fees: 0
}

/** The last price (ticks) of an instrument and its time (µs): where an open trade is marked. */
export interface Mark {
  readonly ts: number
  readonly price: number
}

/**
 * The round trips closed by `fills` (in time order), the trades still open at the end (each marked at `marks` of
 * its instrument, else at its last fill, as if closed there) and the total fees of all fills. Throws a
 * `RangeError` for a fill of an unknown instrument or of one not quoted in `currency` (no FX here).
 */
export const roundTrips = (
  specs: InstrumentSpecs,
  currency: CurrencyCode,
  fills: ReadonlyArray<Fill>,
  marks: ReadonlyMap<string, Mark> = new Map()
): {
  readonly trades: ReadonlyArray<RoundTrip>
  readonly open: ReadonlyArray<RoundTrip>
  readonly fees: number
} => {
  // Each instrument's last fill, as its mark when it has none: the fill itself, not a new object per fill.
  const lastFill = new Map<InstrumentId, Fill>()
  const open = new Map<InstrumentId, OpenTrade>()
  const trades: Array<RoundTrip> = []
  let fees = 0
  for (const fill of fills) {
    const spec = specs.byId.get(fill.instrumentId)
    if (spec === undefined) throw new RangeError(`report: fill ${fill.tradeId} is for unknown ${fill.instrumentId}`)
    if (spec.currency.code !== currency) {
      throw new RangeError(`report: ${fill.instrumentId} is quoted in ${spec.currency.code}, not in ${currency}`)
    }
    fees = add(fees, fill.fee)
    lastFill.set(fill.instrumentId, fill)
    const sign = fill.side === "buy" ? 1 : -1
    let lots: number = fill.quantity
    let fee: number = fill.fee
    let trade = open.get(fill.instrumentId)
    if (trade !== undefined && Math.sign(trade.position) !== sign) {
      const current = trade
      const closing = Math.min(lots, Math.abs(current.position))
      const closingFee = closing === lots ? fee : mulDivRound(fee, closing, 1, lots)
      current.exitPriceLots = add(current.exitPriceLots, mul(fill.price, closing))
      current.cash = add(current.cash, -sign * notional(spec, fill.price, closing))
      current.fees = add(current.fees, closingFee)
      current.position += sign * closing
      if (current.position === 0) {
        trades.push(closeTrade(spec, current, fill.ts))
        open.delete(fill.instrumentId)
        trade = undefined
      }
      lots -= closing
      fee -= closingFee
    }
    if (lots === 0) continue
    if (trade === undefined) {
      trade = { ...EMPTY, side: sign > 0 ? "long" : "short", entryTs: fill.ts }
      open.set(fill.instrumentId, trade)
    }
    const entryNotional = notional(spec, fill.price, lots)
    trade.entered = add(trade.entered, lots)
    trade.entryPriceLots = add(trade.entryPriceLots, mul(fill.price, lots))
    trade.entryNotional = add(trade.entryNotional, Math.abs(entryNotional))
    trade.cash = add(trade.cash, -sign * entryNotional)
    trade.fees = add(trade.fees, fee)
    trade.position = add(trade.position, sign * lots)
  }
  const openTrades = Array.from(open, ([id, trade]) => {
    const spec = specs.byId.get(id)!
    const mark = marks.get(id) ?? lastFill.get(id)!
    const lots = Math.abs(trade.position)
    const sign = trade.position > 0 ? 1 : -1
    return closeTrade(
      spec,
      {
        ...trade,
        exitPriceLots: add(trade.exitPriceLots, mul(mark.price, lots)),
        cash: add(trade.cash, sign * notional(spec, mark.price, lots))
      },
      Math.max(mark.ts, trade.entryTs)
    )
  })
  return { trades, open: openTrades, fees }
}

const closeTrade = (spec: InstrumentSpec, trade: OpenTrade, exitTs: number): RoundTrip => ({
  spec,
  side: trade.side,
  quantity: trade.entered,
  entryTs: trade.entryTs,
  exitTs,
  entryPriceLots: trade.entryPriceLots,
  exitPriceLots: trade.exitPriceLots,
  entryNotional: trade.entryNotional,
  pnl: add(trade.cash, -trade.fees),
  fees: trade.fees
})
