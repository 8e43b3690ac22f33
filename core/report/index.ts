/**
 * Backtest reports: statistics, round-trip trades and the equity curve, with their text, CSV and JSON renderings.
 *
 * @since 0.1.0
 */
export * from "./Report"
export * from "./ReportChart"
