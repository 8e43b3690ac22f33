/**
 * The backtest report: the statistics professional backtesters print (backtesting.py, QuantStats), the round-trip
 * trades and the equity curve with its drawdown, computed in plain loops over the columns a backtest records (a
 * million-sample curve takes tens of milliseconds).
 *
 * Definitions (percentages are in percent, 10 means 10%; durations are in days of 86 400 s, from µs timestamps):
 * - Money stays integer minor units; floating point is used only for ratios and percentages. Money is rendered
 *   as decimal strings with the currency's minor digits.
 * - Trades are round trips per instrument: a trade opens when the position leaves flat and closes when it returns
 *   to flat; a fill flipping the position through zero closes one trade and opens the next with the remainder,
 *   its fee shared in proportion to the lots (half-even). A trade still open at the end is reported apart
 *   (`openTrades`), its position marked at the instrument's last price, and is not counted in the trade statistics
 *   (`Open Trades` says how many); `closeAtEnd` closes such trades instead, at a given price (the last bar's open),
 *   and `Trades at End` says which convention the statistics used.
 *   Entry and exit prices are the lot-weighted averages of the entry and exit fills (extra digits beyond the tick
 *   only where the average falls between ticks). `pnl` is the exact cash flow of the trade's fills (each valued
 *   with `notional()`) net of their fees; `returnPct` = pnl / Σ |entry notional|. Fees are assumed to be charged in
 *   the instrument's currency, and instruments must be quoted in the base currency (no FX conversion: a
 *   `RangeError` says so otherwise).
 * - Exposure time = share of equity samples with `exposed = 1`.
 * - Drawdown = (running peak − equity) / running peak, on every sample. A drawdown period runs from the last sample
 *   at a peak to the first sample back at it (or the last sample); max/avg drawdown are over the periods' depths,
 *   durations over their lengths (0 without any drawdown).
 * - Start and End are the first and last data points' own times (a bar's start, not its close), as plain dates
 *   in `dateZone` for daily data; Duration = End − Start.
 * - Daily returns: the last sample of each UTC day, then the relative change between consecutive days (days
 *   without samples are skipped, as backtesting.py's `resample("D").last().dropna()`); n = number of returns. A
 *   return from zero equity is undefined and left out of the moments (it still counts in n).
 * - Annualisation: `periodsPerYear` daily returns make a year, 252 by default (trading days, as backtesting.py
 *   and QuantStats assume for daily data); 365 suits markets that trade every day. `Periods per Year` prints it.
 * - Return = final / initial − 1. Annualized return = (final / initial)^(periodsPerYear / n) − 1 (0 when n = 0,
 *   −100 once equity is gone). Volatility = sample stdev of daily returns × √periodsPerYear (0 when n < 2).
 * - Sharpe = mean(r − rf/periodsPerYear) / stdev(r) × √periodsPerYear. Sortino = the same mean over the downside
 *   deviation √(Σ min(r − rf/periodsPerYear, 0)² / n) (QuantStats). Calmar = annualized return / max drawdown.
 * - Win rate = share of trades with pnl > 0. Avg. trade = geometric mean of trade returns (backtesting.py), `null`
 *   once a trade lost all it risked or more. Profit factor = gross profit / gross loss. Expectancy = mean trade
 *   pnl (money, half-even). SQN = √trades × mean(pnl) / stdev(pnl).
 * - `null` where a statistic is undefined: no trades, no losing trade (profit factor), zero or missing deviation,
 *   no drawdown (Calmar), no benchmark.
 *
 * @since 0.1.0
 */
import * as Decimal from "../domain/Decimal"
import { Zone } from "../domain/internal/zone"
import { formatTimestamp, MICROS_PER_DAY, timestamp } from "../domain/Units"
import { analyzeCurve } from "./internal/equityCurve"
import type { BacktestReport, RecordedSeries, ReportInput } from "./internal/model"
import { roundTrips } from "./internal/roundTrips"
import { tradeRows } from "./internal/tradeRows"
import { tradeStats } from "./internal/tradeStats"

export { closeAtEnd, type EndFee } from "./internal/closeAtEnd"
export { drawdownFromPeak } from "./internal/equityCurve"
export type {
  BacktestReport,
  EquityCurve,
  RecordedSeries,
  ReportInput,
  RunRecord,
  Stats,
  TradeRow
} from "./internal/model"
export {
  equityCsv,
  equityCsvChunks,
  formatRejections,
  formatStats,
  type Rejection,
  rejectionsOf,
  reportJson,
  statKeys,
  statLabel,
  statText,
  tradesCsv
} from "./internal/render"
export type { Mark } from "./internal/roundTrips"

/**
 * Computes the report; throws a `RangeError` for an empty or ragged equity curve, one with a timestamp or equity
 * that is not a safe integer, a fill of an unknown instrument or of one not quoted in the base currency.
 */
export const computeReport = (input: ReportInput): BacktestReport => {
  const periodsPerYear = input.periodsPerYear ?? 252
  const money = Decimal.minorIncrement(input.baseCurrency.decimals)
  const curve = analyzeCurve(input.equity, (input.riskFreeRate ?? 0) / periodsPerYear)
  const { trades, open, fees } = roundTrips(input.specs, input.baseCurrency.code, input.fills, input.marks)
  const tradeAgg = tradeStats(trades)
  const first = input.span?.first ?? curve.ts[0]!
  const last = input.span?.last ?? curve.ts[curve.ts.length - 1]!
  const when = timeFormat(input.dateZone)
  const finalEquity = curve.equity[curve.equity.length - 1]!
  const growth = finalEquity / input.initialEquity
  const { count, meanExcess, stdev, downside } = curve.daily
  const annualized = count === 0 ? 0 : growth <= 0 ? -1 : growth ** (periodsPerYear / count) - 1
  const sqrtYear = Math.sqrt(periodsPerYear)
  const report: BacktestReport = {
    stats: {
      start: when(first),
      end: when(last),
      durationDays: (last - first) / MICROS_PER_DAY,
      exposureTimePct: curve.exposurePct,
      finalEquity: Decimal.fromUnits(finalEquity, money),
      peakEquity: Decimal.fromUnits(curve.peak, money),
      returnPct: (growth - 1) * 100,
      buyAndHoldReturnPct: buyAndHold(input.benchmark),
      annualizedReturnPct: annualized * 100,
      annualizedVolatilityPct: (stdev ?? 0) * sqrtYear * 100,
      sharpe: ratio(meanExcess, stdev, sqrtYear),
      sortino: ratio(meanExcess, downside, sqrtYear),
      calmar: curve.maxDrawdownPct === 0 ? null : (annualized * 100) / curve.maxDrawdownPct,
      maxDrawdownPct: curve.maxDrawdownPct,
      avgDrawdownPct: curve.avgDrawdownPct,
      maxDrawdownDurationDays: curve.maxDrawdownDays,
      avgDrawdownDurationDays: curve.avgDrawdownDays,
      ...tradeAgg,
      expectancy: tradeAgg.expectancy === null ? null : Decimal.fromUnits(tradeAgg.expectancy, money),
      fees: Decimal.fromUnits(fees, money),
      openTrades: open.length,
      tradesAtEnd: input.closedAtEnd === true ? "closed at the last bar" : "left open, not counted",
      periodsPerYear
    },
    trades: tradeRows(trades),
    openTrades: tradeRows(open),
    equity: { ts: curve.ts, equity: curve.equity, drawdownPct: curve.drawdownPct },
    currencyDecimals: input.baseCurrency.decimals
  }
  return report
}

/** What a report's charts draw beside its curve: the fills and the first instrument's price, by reference. */
export const recordedSeries = (input: ReportInput): RecordedSeries => ({
  specs: input.specs,
  fills: input.fills,
  ...(input.benchmark !== undefined && { price: input.benchmark })
})

/** ISO-8601 date-times in UTC, or plain dates in `zone` (daily data). */
const timeFormat = (zone: string | undefined): ((us: number) => string) => {
  const clock = zone === undefined ? undefined : Zone.of(zone)
  if (clock === undefined) return (us) => formatTimestamp(timestamp(us))
  return (us) => {
    const { year, month, day } = clock.wallClock(Math.floor(us / 1000))
    return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`
  }
}

const ratio = (mean: number | null, deviation: number | null, scale: number): number | null =>
  mean === null || deviation === null || deviation === 0 ? null : (mean / deviation) * scale

const buyAndHold = (benchmark: ReportInput["benchmark"]): number | null => {
  const prices = benchmark?.price
  if (prices === undefined || prices.length === 0) return null
  const first = prices[0] ?? 0
  return first <= 0 ? null : ((prices[prices.length - 1] ?? first) / first - 1) * 100
}
