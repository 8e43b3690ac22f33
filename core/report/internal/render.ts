/**
 * Renderings of a report: a terminal table, CSV and canonical JSON. Every number is rounded to the same fixed
 * decimals so that two identical runs give byte-identical files.
 */
import { formatTimestamp, timestamp } from "../../domain/Units"
import { equityCsvChunks as chunks } from "./equityCsv"
import { numberText, rounded } from "./format"
import type { BacktestReport, RunRecord, Stats, TradeRow } from "./model"

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
  fees: "Fees",
  openTrades: "Open Trades",
  tradesAtEnd: "Trades at End",
  periodsPerYear: "Periods per Year"
}

/** The statistics' keys in report order. */
export const statKeys = Object.keys(LABELS) as ReadonlyArray<keyof Stats>

/** A statistic's label as the report table prints it, e.g. `Return [%]`. */
export const statLabel = (key: keyof Stats): string => LABELS[key]

/** A statistic's value as the report table prints it: two decimals (never `-0.00`), `-` where undefined. */
export const statText = (key: keyof Stats, value: string | number | null): string => {
  if (value === null) return "-"
  if (typeof value === "string" || key === "trades" || key === "openTrades" || key === "periodsPerYear") {
    return String(value)
  }
  const text = value.toFixed(2)
  return text === "-0.00" ? "0.00" : text
}

/** Fixed-width text table of the stats, one line per statistic, for the terminal. */
export const formatStats = (stats: Stats): string => {
  const rows = statKeys.map((key) => [LABELS[key], statText(key, stats[key])])
  const labelWidth = Math.max(...rows.map(([label = ""]) => label.length)) + 2
  const valueWidth = Math.max(...rows.map(([, value = ""]) => value.length))
  return rows.map(([label = "", value = ""]) => `${label.padEnd(labelWidth)}${value.padStart(valueWidth)}\n`).join("")
}

const csvCell = (value: unknown): string => {
  if (typeof value === "number") return numberText(value)
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

const csv = <Row>(columns: ReadonlyArray<keyof Row & string>, rows: ReadonlyArray<Row>): string =>
  [columns.join(","), ...rows.map((row) => columns.map((column) => csvCell(row[column])).join(","))]
    .map((line) => `${line}\n`)
    .join("")

/** A trade as the files write it: ISO-8601 times, and whether it was still open at the end. */
type TradeLine = Omit<TradeRow, "entryTs" | "exitTs"> & {
  readonly status: "closed" | "open"
  readonly entryTime: string
  readonly exitTime: string
}

const TRADE_COLUMNS: Record<keyof TradeLine, null> = {
  status: null,
  instrumentId: null,
  side: null,
  quantity: null,
  entryTime: null,
  exitTime: null,
  entryPrice: null,
  exitPrice: null,
  pnl: null,
  pnlMinor: null,
  returnPct: null,
  fees: null,
  durationDays: null
}

const tradeLine =
  (status: TradeLine["status"]) =>
  ({ entryTs, exitTs, ...rest }: TradeRow): TradeLine => ({
    status,
    ...rest,
    entryTime: formatTimestamp(timestamp(entryTs)),
    exitTime: formatTimestamp(timestamp(exitTs))
  })

/** The closed trades, then the open ones (marked at the last price: `exitTime` and `exitPrice` are the mark's). */
const tradeLines = (report: BacktestReport): ReadonlyArray<TradeLine> => [
  ...report.trades.map(tradeLine("closed")),
  ...(report.openTrades ?? []).map(tradeLine("open"))
]

/**
 * CSV of the trades: a header line of the `TradeLine` fields, then one row per trade, closed trades first. Times
 * are ISO-8601 in UTC.
 */
export const tradesCsv = (report: BacktestReport): string =>
  csv(Object.keys(TRADE_COLUMNS) as Array<keyof TradeLine>, tradeLines(report))

/**
 * CSV of the equity curve in chunks of about 64 KiB, to write as they come: `ts,equity,drawdownPct`, then one row
 * per sample with the ISO timestamp, the equity as money with `decimals` digits after the point (by default the
 * base currency's, `report.currencyDecimals`) and the drawdown in percent.
 */
export const equityCsvChunks = (
  report: BacktestReport,
  decimals: number = report.currencyDecimals
): Generator<string, void, undefined> => chunks(report.equity, decimals)

/**
 * `equityCsvChunks` as one string. For a file, write the chunks instead: a million rows make a 43 MB string, whose
 * fresh memory costs about as much again as rendering them.
 */
export const equityCsv = (report: BacktestReport, decimals: number = report.currencyDecimals): string =>
  Array.from(chunks(report.equity, decimals)).join("")

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

/** Orders the venue or the risk checks refused, by reason: how many, and the first one's message. */
export interface Rejection {
  readonly reason: string
  readonly count: number
  readonly sample: string
}

/** Rejections from counts and sample messages by reason, the most frequent first. */
export const rejectionsOf = (
  counts: Readonly<Record<string, number>>,
  samples: Readonly<Record<string, string>>
): ReadonlyArray<Rejection> =>
  Object.entries(counts)
    .map(([reason, count]) => ({ reason, count, sample: samples[reason] ?? "" }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))

/** The refused orders as a terminal table, one reason a line with a sample message; empty when none was refused. */
export const formatRejections = (rejections: ReadonlyArray<Rejection>): string => {
  if (rejections.length === 0) return ""
  const reasonWidth = Math.max(...rejections.map((r) => r.reason.length)) + 2
  const countWidth = Math.max(...rejections.map((r) => String(r.count).length))
  const rows = rejections.map((r) =>
    `  ${r.reason.padEnd(reasonWidth)}${String(r.count).padStart(countWidth)}  ${r.sample}`.trimEnd()
  )
  return `Rejected orders (reason, count, first message)\n${rows.join("\n")}\n`
}

/**
 * Canonical JSON of `{ run, stats, trades, openTrades, rejections }` (`rejections` only when given): keys sorted,
 * numbers rounded to 6 decimals, times as ISO-8601 in UTC, two-space indent, one trailing newline; `run` is `null`
 * when not given. The equity curve is left to `equityCsvChunks`.
 */
export const reportJson = (report: BacktestReport, run?: RunRecord, rejections?: ReadonlyArray<Rejection>): string => {
  const line = ({ status: _, ...rest }: TradeLine) => rest
  // The top level's keys inserted in sorted order, as `canonical` would sort them.
  const json = {
    openTrades: canonicalLines((report.openTrades ?? []).map((t) => line(tradeLine("open")(t)))),
    ...(rejections !== undefined && { rejections: canonical(rejections) }),
    run: canonical(run),
    stats: canonical(report.stats),
    trades: canonicalLines(report.trades.map((t) => line(tradeLine("closed")(t))))
  }
  return `${JSON.stringify(json, null, 2)}\n`
}

/**
 * `canonical` of the trade lines: the same objects, with their keys sorted once rather than for each line (they all
 * have the keys `tradeLine` gives them, in its order), a fifth of `reportJson`'s time for 40,000 trades.
 */
const canonicalLines = (lines: ReadonlyArray<Readonly<Record<string, unknown>>>): Array<Json> => {
  let keys: ReadonlyArray<string> = []
  let sorted: ReadonlyArray<string> = []
  return lines.map((line) => {
    const own = Object.keys(line)
    if (own.length !== keys.length || own.some((key, k) => key !== keys[k])) {
      keys = own
      sorted = [...own].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    }
    const object: Record<string, Json> = {}
    for (const key of sorted) object[key] = canonical(line[key])
    return object
  })
}
