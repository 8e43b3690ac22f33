/** Round trips as report rows: prices and money as decimal strings. */
import { increments } from "../../domain/Instrument"
import type { InstrumentSpec } from "../../domain/InstrumentSpec"
import { mulDivRound } from "../../domain/SafeInt"
import { incrementUnits, minorUnits } from "./format"
import type { TradeRow } from "./model"
import type { RoundTrip } from "./roundTrips"
import { tradeDurationDays, tradeReturnPct } from "./tradeStats"

interface Formats {
  /** A price in ticks. */
  readonly tick: (units: number) => string
  /** A price in ticks with `EXTRA_PRICE_DIGITS` more digits. */
  readonly fine: (units: number) => string
  readonly tickScale: number
  readonly money: (units: number) => string
}

/** The rows in the trades' order. Formats are made once per instrument: parsing its tick size costs a row's time. */
export const tradeRows = (trades: ReadonlyArray<RoundTrip>): Array<TradeRow> => {
  const formats = new Map<InstrumentSpec, Formats>()
  return trades.map((trade) => {
    let format = formats.get(trade.spec)
    if (format === undefined) {
      const tick = increments(trade.spec.instrument).tick
      format = {
        tick: incrementUnits(tick),
        fine: incrementUnits({ ...tick, scale: tick.scale + EXTRA_PRICE_DIGITS }),
        tickScale: tick.scale,
        money: minorUnits(trade.spec.currency.decimals)
      }
      formats.set(trade.spec, format)
    }
    return {
      instrumentId: trade.spec.instrument.id,
      side: trade.side,
      quantity: trade.quantity,
      entryTs: trade.entryTs,
      exitTs: trade.exitTs,
      entryPrice: averagePrice(trade.entryPriceLots, trade.quantity, format),
      exitPrice: averagePrice(trade.exitPriceLots, trade.quantity, format),
      pnl: format.money(trade.pnl),
      pnlMinor: trade.pnl,
      returnPct: tradeReturnPct(trade),
      fees: format.money(trade.fees),
      durationDays: tradeDurationDays(trade)
    }
  })
}

/** Digits shown beyond the tick when an average price falls between ticks. */
const EXTRA_PRICE_DIGITS = 4

/** The lot-weighted average price `priceLots / lots` ticks as a decimal, trailing zeros beyond the tick trimmed. */
const averagePrice = (priceLots: number, lots: number, format: Formats): string => {
  if (priceLots % lots === 0) return format.tick(priceLots / lots)
  const text = format.fine(mulDivRound(priceLots, 10 ** EXTRA_PRICE_DIGITS, 1, lots))
  const point = text.indexOf(".")
  let end = text.length
  while (end > point + 1 + format.tickScale && text[end - 1] === "0") end--
  return text.slice(0, end)
}
