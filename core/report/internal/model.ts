/**
 * The report's shapes: what a backtest records and what the report holds. `Report.ts` exports them; the
 * internal modules that compute and render the report import them from here, so imports go one way.
 *
 * @since 0.1.0
 */
import type { Currency } from "../../domain/Currency"
import type { Fill } from "../../domain/Fill"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import type { Mark } from "./roundTrips"
/** What a backtest records, in exact units. */
export interface ReportInput {
  readonly baseCurrency: Currency
  readonly specs: InstrumentSpecs
  /** Minor units of `baseCurrency`. */
  readonly initialEquity: number
  /**
   * In time order; timestamps and equity are safe integers. `exposed` is 1 when any position is open at that sample,
   * else 0. Float64Arrays are kept as the report's columns, not copied.
   */
  readonly equity: {
    readonly ts: ArrayLike<number>
    readonly equity: ArrayLike<number>
    readonly exposed: ArrayLike<number>
  }
  /** In time order. */
  readonly fills: ReadonlyArray<Fill>
  /** Closes (ticks) of the first instrument, for buy & hold. */
  readonly benchmark?: { readonly ts: ArrayLike<number>; readonly price: ArrayLike<number> }
  /**
   * Times of the first and last data points, µs: a bar's own time (its start), where the equity curve samples it
   * at its close. Default: the equity curve's first and last samples.
   */
  readonly span?: { readonly first: number; readonly last: number }
  /** For daily data: Start and End print as plain dates in this IANA zone (the zone the data was read in). */
  readonly dateZone?: string
  /** The last price of each instrument (by id) and its time: where a trade still open at the end is marked. */
  readonly marks?: ReadonlyMap<string, Mark>
  /** Whether trades open at the end were closed (`closeAtEnd` sets it). */
  readonly closedAtEnd?: boolean
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
  /** Trades still open at the end, not counted above (0 when they were closed at the end). */
  openTrades: number
  /** How the statistics treat a trade open at the end. */
  tradesAtEnd: "closed at the last bar" | "left open, not counted"
  /** Daily returns in a year, for the annualised statistics. */
  periodsPerYear: number
}

/**
 * One round trip. Prices and money as decimal strings; `quantity` in lots; timestamps in µs (ISO-8601 in the
 * rendered files). An open trade's exit is its mark: the last price, at its time.
 */
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

/**
 * The equity curve as columns, one entry per sample: µs timestamps and equity in minor units of the base currency
 * (safe integers both), drawdown from the running peak in percent.
 */
export interface EquityCurve {
  readonly ts: Float64Array
  readonly equity: Float64Array
  readonly drawdownPct: Float64Array
}

/** Stats, trades in the order they closed, trades still open at the end, and the equity curve. */
export interface BacktestReport {
  readonly stats: Stats
  readonly trades: ReadonlyArray<TradeRow>
  /** Trades open at the end, marked at the last price (not kept with a stored run: its statistics count them). */
  readonly openTrades?: ReadonlyArray<TradeRow>
  readonly equity: EquityCurve
  /** Minor digits of the base currency (`Currency.decimals`): how `equity.equity` is rendered as money. */
  readonly currencyDecimals: number
}

/**
 * The fills and the first instrument's price (ticks, at each equity sample) a report was computed from: what its
 * charts draw. A backtest has them; a stored run does not keep them.
 */
export interface RecordedSeries {
  readonly specs: InstrumentSpecs
  readonly fills: ReadonlyArray<Fill>
  readonly price?: { readonly ts: ArrayLike<number>; readonly price: ArrayLike<number> }
}

/** What ran (strategy, parameters, data, settings), as the caller records it: JSON-like values. */
export type RunRecord = { readonly [key: string]: unknown }
