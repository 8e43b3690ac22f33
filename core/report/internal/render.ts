/**
 * Renderings of a report: a terminal table, CSV and canonical JSON. Every number is rounded to the same fixed
 * decimals so that two identical runs give byte-identical files.
 */
import { Either } from "effect"
import * as Decimal from "../../domain/Decimal"
import type { BacktestReport, Stats, TradeRow } from "../Report"

/** Decimals kept in CSV and JSON numbers. */
const DECIMALS = 6

/** `x` rounded to `DECIMALS`, without negative zero; integers (timestamps, minor units) stay exact. */
const rounded = (x: number): number => {
  if (Number.isInteger(x)) return x === 0 ? 0 : x
  const r = Number(x.toFixed(DECIMALS))
  return r === 0 ? 0 : r
}

/** Labels in the order backtesting.py prints its statistics; the record keeps them complete. */
const LABELS: Record<keyof Stats, string> = {
  start: "Start",
  end: "End",
  durationDays: "Duration [days]",
  exposureTimePct: "Exposure Time [%]",
  finalEquity: "Equity Final",
  peakEquity: "Equity Peak",
  returnPct: "Return [%]",
  buyAndHoldReturnPct: "Buy & Hold Return [%]",
  annualizedReturnPct: "Return (Ann.) [%]",
  annualizedVolatilityPct: "Volatility (Ann.) [%]",
  sharpe: "Sharpe Ratio",
  sortino: "Sortino Ratio",
  calmar: "Calmar Ratio",
  maxDrawdownPct: "Max. Drawdown [%]",
  avgDrawdownPct: "Avg. Drawdown [%]",
  maxDrawdownDurationDays: "Max. Drawdown Duration [days]",
  avgDrawdownDurationDays: "Avg. Drawdown Duration [days]",
  trades: "# Trades",
  winRatePct: "Win Rate [%]",
  bestTradePct: "Best Trade [%]",
  worstTradePct: "Worst Trade [%]",
  avgTradePct: "Avg. Trade [%]",
  maxTradeDurationDays: "Max. Trade Duration [days]",
  avgTradeDurationDays: "Avg. Trade Duration [days]",
  profitFactor: "Profit Factor",
  expectancy: "Expectancy",
  sqn: "SQN",
  fees: "Fees"
}

/** The statistics' keys in report order. */
export const statKeys = Object.keys(LABELS) as ReadonlyArray<keyof Stats>

const displayValue = (key: keyof Stats, value: string | number | null): string =>
  value === null ? "-" : typeof value === "string" || key === "trades" ? String(value) : value.toFixed(2)

/** Fixed-width text table of the stats, one line per statistic, for the terminal. */
export const formatStats = (stats: Stats): string => {
  const rows = statKeys.map((key) => [LABELS[key], displayValue(key, stats[key])])
  const labelWidth = Math.max(...rows.map(([label = ""]) => label.length)) + 2
  const valueWidth = Math.max(...rows.map(([, value = ""]) => value.length))
  return rows.map(([label = "", value = ""]) => `${label.padEnd(labelWidth)}${value.padStart(valueWidth)}\n`).join("")
}

const csvCell = (value: unknown): string => {
  if (typeof value === "number") return Either.getOrElse(Decimal.fromNumber(rounded(value)), () => "")
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

const csv = <Row>(columns: ReadonlyArray<keyof Row & string>, rows: ReadonlyArray<Row>): string =>
  [columns.join(","), ...rows.map((row) => columns.map((column) => csvCell(row[column])).join(","))]
    .map((line) => `${line}\n`)
    .join("")

const TRADE_COLUMNS: Record<keyof TradeRow, null> = {
  instrumentId: null,
  side: null,
  quantity: null,
  entryTs: null,
  exitTs: null,
  entryPrice: null,
  exitPrice: null,
  pnl: null,
  pnlMinor: null,
  returnPct: null,
  fees: null,
  durationDays: null
}

/** CSV of the trades: a header line of the `TradeRow` fields, then one row per trade. Timestamps in µs. */
export const tradesCsv = (report: BacktestReport): string =>
  csv(Object.keys(TRADE_COLUMNS) as Array<keyof TradeRow>, report.trades)

/** CSV of the equity curve: `ts,equity,drawdownPct`, then one row per sample. */
export const equityCsv = (report: BacktestReport): string => csv(["ts", "equity", "drawdownPct"], report.equity)

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

const canonical = (value: unknown): Json => {
  if (value === null || value === undefined) return null
  if (typeof value === "number") return Number.isFinite(value) ? rounded(value) : null
  if (typeof value === "string" || typeof value === "boolean") return value
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return Object.fromEntries(entries.map(([key, v]) => [key, canonical(v)]))
  }
  return null
}

/** Canonical JSON: keys sorted, numbers rounded to 6 decimals, two-space indent, one trailing newline. */
export const reportJson = (report: BacktestReport): string => `${JSON.stringify(canonical(report), null, 2)}\n`
