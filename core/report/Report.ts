/**
 * The backtest report: the statistics professional backtesters print (backtesting.py, QuantStats), the round-trip
 * trades and the equity curve with its drawdown, computed with arquero from what a backtest records.
 *
 * Definitions (percentages are in percent, 10 means 10%; durations are in days of 86 400 s, from µs timestamps):
 * - Money stays integer minor units; floating point is used only for ratios and percentages. Money is rendered
 *   as decimal strings with the currency's minor digits.
 * - Trades are round trips per instrument: a trade opens when the position leaves flat and closes when it returns
 *   to flat; a fill flipping the position through zero closes one trade and opens the next with the remainder,
 *   its fee shared in proportion to the lots (half-even). Trades still open at the end are not reported.
 *   Entry and exit prices are the lot-weighted averages of the entry and exit fills (extra digits beyond the tick
 *   only where the average falls between ticks). `pnl` is the exact cash flow of the trade's fills (each valued
 *   with `notional()`) net of their fees; `returnPct` = pnl / Σ |entry notional|. Fees are assumed to be charged in
 *   the instrument's currency, and instruments must be quoted in the base currency (no FX conversion: a
 *   `RangeError` says so otherwise).
 * - Exposure time = share of equity samples with `exposed = 1`.
 * - Drawdown = (running peak − equity) / running peak, on every sample. A drawdown period runs from the last sample
 *   at a peak to the first sample back at it (or the last sample); max/avg drawdown are over the periods' depths,
 *   durations over their lengths (0 without any drawdown).
 * - Daily returns: the last sample of each UTC day, then the relative change between consecutive days (days
 *   without samples are skipped, as backtesting.py's `resample("D").last().dropna()`); n = number of returns.
 * - Return = final / initial − 1. Annualized return = (final / initial)^(periodsPerYear / n) − 1 (0 when n = 0,
 *   −100 once equity is gone). Volatility = sample stdev of daily returns × √periodsPerYear (0 when n < 2).
 * - Sharpe = mean(r − rf/periodsPerYear) / stdev(r) × √periodsPerYear. Sortino = the same mean over the downside
 *   deviation √(Σ min(r − rf/periodsPerYear, 0)² / n) (QuantStats). Calmar = annualized return / max drawdown.
 * - Win rate = share of trades with pnl > 0. Avg. trade = geometric mean of trade returns (backtesting.py).
 *   Profit factor = gross profit / gross loss. Expectancy = mean trade pnl (money, half-even). SQN = √trades ×
 *   mean(pnl) / stdev(pnl).
 * - `null` where a statistic is undefined: no trades, no losing trade (profit factor), zero or missing deviation,
 *   no drawdown (Calmar), no benchmark.
 *
 * @since 0.1.0
 */
import type { Currency } from "../domain/Currency"
import * as Decimal from "../domain/Decimal"
import type { Fill } from "../domain/Fill"
import { increments } from "../domain/Instrument"
import { mulDivRound } from "../domain/SafeInt"
import { formatTimestamp, MICROS_PER_DAY, timestamp } from "../domain/Units"
import type { InstrumentSpecs } from "../engine/InstrumentSpec"
import { analyzeCurve } from "./internal/equityCurve"
import { type RoundTrip, roundTrips } from "./internal/roundTrips"
import { tradeDurationDays, tradeReturnPct, tradeStats } from "./internal/tradeStats"

export { equityCsv, formatStats, reportJson, statKeys, tradesCsv } from "./internal/render"

/** What a backtest records, in exact units. */
export interface ReportInput {
  readonly baseCurrency: Currency
  readonly specs: InstrumentSpecs
  /** Minor units of `baseCurrency`. */
  readonly initialEquity: number
  /** `exposed` is 1 when any position is open at that sample, else 0. */
  readonly equity: {
    readonly ts: ArrayLike<number>
    readonly equity: ArrayLike<number>
    readonly exposed: ArrayLike<number>
  }
  /** In time order. */
  readonly fills: ReadonlyArray<Fill>
  /** Closes (ticks) of the first instrument, for buy & hold. */
  readonly benchmark?: { readonly ts: ArrayLike<number>; readonly price: ArrayLike<number> }
  /** Daily periods per year, default 252 trading days. */
  readonly periodsPerYear?: number
  /** Annual risk-free rate as a fraction, default 0. */
  readonly riskFreeRate?: number
}

/** The headline statistics. Money as decimal strings in the base currency; see the module doc for definitions. */
export interface Stats {
  start: string
  end: string
  durationDays: number
  exposureTimePct: number
  finalEquity: string
  peakEquity: string
  returnPct: number
  buyAndHoldReturnPct: number | null
  annualizedReturnPct: number
  annualizedVolatilityPct: number
  sharpe: number | null
  sortino: number | null
  calmar: number | null
  maxDrawdownPct: number
  avgDrawdownPct: number
  maxDrawdownDurationDays: number
  avgDrawdownDurationDays: number
  trades: number
  winRatePct: number | null
  bestTradePct: number | null
  worstTradePct: number | null
  avgTradePct: number | null
  maxTradeDurationDays: number | null
  avgTradeDurationDays: number | null
  profitFactor: number | null
  expectancy: string | null
  sqn: number | null
  fees: string
}

/** One round trip. Prices and money as decimal strings; `quantity` in lots; timestamps in µs. */
export interface TradeRow {
  instrumentId: string
  side: "long" | "short"
  quantity: number
  entryTs: number
  exitTs: number
  entryPrice: string
  exitPrice: string
  pnl: string
  pnlMinor: number
  returnPct: number
  fees: string
  durationDays: number
}

/** Stats, trades in the order they closed, and the equity curve with ISO timestamps. */
export interface BacktestReport {
  readonly stats: Stats
  readonly trades: ReadonlyArray<TradeRow>
  readonly equity: ReadonlyArray<{ ts: string; equity: string; drawdownPct: number }>
}

/**
 * Computes the report; throws a `RangeError` for an empty or ragged equity curve, a fill of an unknown
 * instrument or of one not quoted in the base currency.
 */
export const computeReport = (input: ReportInput): BacktestReport => {
  const periodsPerYear = input.periodsPerYear ?? 252
  const money = Decimal.minorIncrement(input.baseCurrency.decimals)
  const curve = analyzeCurve(input.equity, (input.riskFreeRate ?? 0) / periodsPerYear)
  const { trades, fees } = roundTrips(input.specs, input.baseCurrency.code, input.fills)
  const tradeAgg = tradeStats(trades)
  const first = curve.ts[0] ?? 0
  const last = curve.ts[curve.ts.length - 1] ?? 0
  const finalEquity = curve.equity[curve.equity.length - 1] ?? input.initialEquity
  const growth = finalEquity / input.initialEquity
  const { count, meanExcess, stdev, downside } = curve.daily
  const annualized = count === 0 ? 0 : growth <= 0 ? -1 : growth ** (periodsPerYear / count) - 1
  const sqrtYear = Math.sqrt(periodsPerYear)
  return {
    stats: {
      start: formatTimestamp(timestamp(first)),
      end: formatTimestamp(timestamp(last)),
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
      fees: Decimal.fromUnits(fees, money)
    },
    trades: trades.map(tradeRow),
    equity: curve.ts.map((ts, i) => ({
      ts: formatTimestamp(timestamp(ts)),
      equity: Decimal.fromUnits(curve.equity[i] ?? 0, money),
      drawdownPct: curve.drawdownPct[i] ?? 0
    }))
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

/** Digits shown beyond the tick when an average price falls between ticks. */
const EXTRA_PRICE_DIGITS = 4

/** The lot-weighted average price `priceLots / lots` ticks as a decimal, trailing zeros beyond the tick trimmed. */
const averagePrice = (priceLots: number, lots: number, tick: Decimal.Increment): string => {
  if (priceLots % lots === 0) return Decimal.fromUnits(priceLots / lots, tick)
  const fine = { ...tick, scale: tick.scale + EXTRA_PRICE_DIGITS }
  const text = Decimal.fromUnits(mulDivRound(priceLots, 10 ** EXTRA_PRICE_DIGITS, 1, lots), fine)
  const point = text.indexOf(".")
  let end = text.length
  while (end > point + 1 + tick.scale && text[end - 1] === "0") end--
  return text.slice(0, end)
}

const tradeRow = (trade: RoundTrip): TradeRow => {
  const { tick } = increments(trade.spec.instrument)
  const money = Decimal.minorIncrement(trade.spec.currency.decimals)
  return {
    instrumentId: trade.spec.instrument.id,
    side: trade.side,
    quantity: trade.quantity,
    entryTs: trade.entryTs,
    exitTs: trade.exitTs,
    entryPrice: averagePrice(trade.entryPriceLots, trade.quantity, tick),
    exitPrice: averagePrice(trade.exitPriceLots, trade.quantity, tick),
    pnl: Decimal.fromUnits(trade.pnl, money),
    pnlMinor: trade.pnl,
    returnPct: tradeReturnPct(trade),
    fees: Decimal.fromUnits(trade.fees, money),
    durationDays: tradeDurationDays(trade)
  }
}
