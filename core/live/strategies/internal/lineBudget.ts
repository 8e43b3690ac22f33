/**
 * The Strategies Service's log lines (an order, a fill, the PnL as they happen) within a budget: at most
 * `perSecond` a second go out; past it they are counted, and the count goes out as one line once the second is
 * over. A line costs the service's one thread about as much as the strategy's whole reaction to a quote (a fiber
 * for the logger, the formatting, a synchronous write to a pipe), so a strategy ordering on every quote, or a replay
 * after a restart, would otherwise spend more on telling than on trading; the orders and fills themselves are in
 * the Accounts Service's streams and the projection.
 */

export type Log = (message: string, fields: Readonly<Record<string, unknown>>) => void

export const withinBudget = (perSecond: number, log: Log, nowMs: () => number = Date.now): Log => {
  let windowStart = Number.NEGATIVE_INFINITY
  let written = 0
  let leftOut = 0
  const report = () => {
    if (leftOut === 0) return
    log("log lines left out", { count: leftOut, perSecond })
    leftOut = 0
  }
  return (message, fields) => {
    const now = nowMs()
    if (now - windowStart >= 1000) {
      windowStart = now
      written = 0
    }
    if (written < perSecond) {
      written++
      log(message, fields)
      return
    }
    if (leftOut++ === 0) setTimeout(report, Math.max(0, windowStart + 1000 - now))
  }
}
