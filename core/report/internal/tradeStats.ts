/**
 * Aggregates over closed round trips. Money (gross profit and loss, expectancy) is summed exactly; only ratios
 * and percentages go through arquero's floating-point aggregates.
 */
import * as aq from "arquero"
import { add, mulDivRound } from "../../domain/SafeInt"
import { MICROS_PER_DAY } from "../../domain/Units"
import { cell } from "./columns"
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

export const tradeStats = (trades: ReadonlyArray<RoundTrip>): TradeStats => {
  const n = trades.length
  let grossProfit = 0
  let grossLoss = 0
  for (const trade of trades) {
    if (trade.pnl > 0) grossProfit = add(grossProfit, trade.pnl)
    else grossLoss = add(grossLoss, -trade.pnl)
  }
  const table = aq.table({
    pnl: trades.map((t) => t.pnl),
    ret: trades.map((t) => tradeReturnPct(t) / 100),
    days: trades.map(tradeDurationDays)
  })
  const agg = table.rollup({
    wins: "d => op.sum(d.pnl > 0 ? 1 : 0)",
    best: "d => op.max(d.ret) * 100",
    worst: "d => op.min(d.ret) * 100",
    // Geometric mean, as backtesting.py's "Avg. Trade"; undefined (null) once a trade loses more than it risked.
    geometric: "d => (op.exp(op.mean(op.log1p(d.ret))) - 1) * 100",
    maxDays: "d => op.max(d.days)",
    avgDays: "d => op.mean(d.days)",
    meanPnl: "d => op.mean(d.pnl)",
    sdPnl: "d => op.stdev(d.pnl)"
  })
  const meanPnl = cell(agg, "meanPnl")
  const sdPnl = cell(agg, "sdPnl")
  return {
    trades: n,
    winRatePct: n === 0 ? null : ((cell(agg, "wins") ?? 0) / n) * 100,
    bestTradePct: cell(agg, "best"),
    worstTradePct: cell(agg, "worst"),
    avgTradePct: cell(agg, "geometric"),
    maxTradeDurationDays: cell(agg, "maxDays"),
    avgTradeDurationDays: cell(agg, "avgDays"),
    profitFactor: grossLoss === 0 ? null : grossProfit / grossLoss,
    expectancy: n === 0 ? null : mulDivRound(add(grossProfit, -grossLoss), 1, 1, n),
    sqn: meanPnl === null || sdPnl === null || sdPnl === 0 ? null : (Math.sqrt(n) * meanPnl) / sdPnl
  }
}
