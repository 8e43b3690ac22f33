/**
 * Aggregates over closed round trips, in one loop. Money (gross profit and loss, expectancy) is summed exactly;
 * only ratios and percentages are floating point.
 */
import { add, mulDivRound } from "../../domain/SafeInt"
import { MICROS_PER_DAY } from "../../domain/Units"
import { Moments } from "./moments"
import type { RoundTrip } from "./roundTrips"

/** Trade statistics; `null` where undefined (no trades, no losses, zero deviation). Percentages in percent. */
export interface TradeStats {
  readonly trades: number
  readonly winRatePct: number | null
  readonly bestTradePct: number | null
  readonly worstTradePct: number | null
  readonly avgTradePct: number | null
  readonly maxTradeDurationDays: number | null
  readonly avgTradeDurationDays: number | null
  readonly profitFactor: number | null
  /** Mean trade pnl in minor units, rounded half-even. */
  readonly expectancy: number | null
  readonly sqn: number | null
}

/** Pnl over the capital the entry put at risk, in percent; 0 for a trade entered at a zero price. */
export const tradeReturnPct = (trade: RoundTrip): number =>
  trade.entryNotional === 0 ? 0 : (trade.pnl / trade.entryNotional) * 100

/** Duration from the first entry fill to the flattening fill, in days. */
export const tradeDurationDays = (trade: RoundTrip): number => (trade.exitTs - trade.entryTs) / MICROS_PER_DAY

const NO_TRADES: TradeStats = {
  trades: 0,
  winRatePct: null,
  bestTradePct: null,
  worstTradePct: null,
  avgTradePct: null,
  maxTradeDurationDays: null,
  avgTradeDurationDays: null,
  profitFactor: null,
  expectancy: null,
  sqn: null
}

export const tradeStats = (trades: ReadonlyArray<RoundTrip>): TradeStats => {
  const n = trades.length
  if (n === 0) return NO_TRADES
  let grossProfit = 0
  let grossLoss = 0
  let wins = 0
  let best = Number.NEGATIVE_INFINITY
  let worst = Number.POSITIVE_INFINITY
  let maxDays = Number.NEGATIVE_INFINITY
  let ruined = false
  const pnl = new Moments()
  const logGrowth = new Moments()
  const days = new Moments()
  for (const trade of trades) {
    if (trade.pnl > 0) {
      wins++
      grossProfit = add(grossProfit, trade.pnl)
    } else grossLoss = add(grossLoss, -trade.pnl)
    pnl.add(trade.pnl)
    const returnPct = tradeReturnPct(trade)
    best = Math.max(best, returnPct)
    worst = Math.min(worst, returnPct)
    const growth = Math.log1p(returnPct / 100)
    // −∞ or NaN once a trade lost all it risked or more: its growth factor has no logarithm.
    if (growth > Number.NEGATIVE_INFINITY) logGrowth.add(growth)
    else ruined = true
    const duration = tradeDurationDays(trade)
    maxDays = Math.max(maxDays, duration)
    days.add(duration)
  }
  // Geometric mean, as backtesting.py's "Avg. Trade".
  const meanGrowth = logGrowth.mean
  const sdPnl = pnl.stdev
  return {
    trades: n,
    winRatePct: (wins / n) * 100,
    bestTradePct: best,
    worstTradePct: worst,
    avgTradePct: ruined || meanGrowth === null ? null : (Math.exp(meanGrowth) - 1) * 100,
    maxTradeDurationDays: maxDays,
    avgTradeDurationDays: days.mean,
    profitFactor: grossLoss === 0 ? null : grossProfit / grossLoss,
    expectancy: mulDivRound(add(grossProfit, -grossLoss), 1, 1, n),
    sqn: sdPnl === null || sdPnl === 0 ? null : (Math.sqrt(n) * (pnl.mean ?? 0)) / sdPnl
  }
}
