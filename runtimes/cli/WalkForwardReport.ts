/**
 * A walk-forward's out-of-sample report as text: per window, the training and test periods, how many parameter
 * sets were tried, the one chosen, and its statistics in sample (on the training period) beside out of sample (on
 * the test period); then the tests chained into one curve and its statistics, the walk-forward efficiency and the
 * number of trials in all — what a reader needs to discount the best of many in-sample trials.
 *
 * @since 0.1.0
 */
import type { WalkForwardResult, WindowResult } from "../../core/research/WalkForwardRecord"
import { statOf } from "../../core/research/WalkForwardRecord"
import { textTable } from "./TextTable"

const date = (micros: number) => new Date(Math.floor(micros / 1000)).toISOString().slice(0, 10)
const num = (x: number | null, digits = 2) => (x === null || !Number.isFinite(x) ? "-" : x.toFixed(digits))

const parameters = (w: WindowResult) =>
  w.test === undefined
    ? "(none met the constraints)"
    : Object.entries(w.test.parameters)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(" ")

/** The mean of the finite values, or null. */
const mean = (xs: ReadonlyArray<number | null>): number | null => {
  const finite = xs.filter((x): x is number => x !== null && Number.isFinite(x))
  return finite.length === 0 ? null : finite.reduce((a, b) => a + b, 0) / finite.length
}

/**
 * @since 0.1.0
 */
export const walkForwardReport = (r: WalkForwardResult): string => {
  const objective = r.spec.objective
  const rows = r.windows.map((w, i) => [
    String(i + 1),
    `${date(w.window.trainFrom)}..${date(w.window.trainTo)}`,
    `${date(w.window.testFrom)}..${date(w.window.testTo)}`,
    String(w.trials),
    parameters(w),
    num(w.inSampleScore),
    num(w.outOfSampleScore),
    num(statOf(w.best, "annualizedReturnPct")),
    num(statOf(w.test, "annualizedReturnPct")),
    num(statOf(w.test, "returnPct")),
    num(statOf(w.best, "maxDrawdownPct")),
    num(statOf(w.test, "maxDrawdownPct")),
    w.test === undefined ? "-" : num(statOf(w.test, "trades"), 0)
  ])
  const isReturn = mean(r.windows.map((w) => statOf(w.best, "annualizedReturnPct")))
  const oos = r.outOfSample
  const efficiency =
    isReturn === null || isReturn === 0 || oos.annualizedReturnPct === null ? null : oos.annualizedReturnPct / isReturn
  const tested = r.windows.filter((w) => w.test !== undefined)
  const positive = tested.filter((w) => (statOf(w.test, "returnPct") ?? 0) > 0).length
  const trades = tested.reduce((n, w) => n + (statOf(w.test, "trades") ?? 0), 0)
  const first = r.windows[0]
  const last = r.windows[r.windows.length - 1]
  return [
    `walk-forward ${r.id}: ${r.spec.walkForward.text}, ${r.windows.length} windows, objective ${objective}${r.spec.constraints.length > 0 ? ` with ${r.spec.constraints.join(", ")}` : ""}`,
    "",
    textTable(
      [
        "window",
        "train",
        "test",
        "trials",
        "chosen",
        `IS ${objective}`,
        `OOS ${objective}`,
        "IS ret/yr [%]",
        "OOS ret/yr [%]",
        "OOS return [%]",
        "IS max dd [%]",
        "OOS max dd [%]",
        "OOS trades"
      ],
      rows
    ),
    "",
    `out of sample, the ${tested.length} tests chained${first === undefined || last === undefined ? "" : ` (${date(first.window.testFrom)} to ${date(last.window.testTo)})`}:`,
    `  return ${num(oos.returnPct)} %, annualized ${num(oos.annualizedReturnPct)} %, volatility ${num(oos.annualizedVolatilityPct)} %, sharpe ${num(oos.sharpe)}, max drawdown ${num(oos.maxDrawdownPct)} %, ${trades} trades, ${positive} of ${tested.length} tests profitable`,
    `in sample, the chosen sets on their training periods: annualized return ${num(isReturn)} % on average, ${objective} ${num(mean(r.windows.map((w) => w.inSampleScore)))} on average (out of sample: ${num(mean(r.windows.map((w) => w.outOfSampleScore)))})`,
    `walk-forward efficiency (annualized return out of sample / in sample): ${num(efficiency)}`,
    `trials: ${r.trials} in all; each window's chosen set is the best of its ${r.windows.map((w) => w.trials).join("/")}: the in-sample figures are the best of many tries and overstate, judge by the out-of-sample ones`,
    "",
    `a window's trials: meridian runs list --sweep ${r.id}-w<window>; its test: meridian runs list --sweep ${r.id}-t<window>`
  ].join("\n")
}
