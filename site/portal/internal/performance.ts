/**
 * An account's performance from its NAV samples and its deposits and withdrawals: returns net of those flows
 * (time-weighted: each interval between two samples is a Modified Dietz return with its flows at the interval's
 * start, and intervals chain), the drawdown of that chained index, returns by day, month, year and since
 * inception, and a table of monthly returns. Ratios are floats; money stays in integer minor units.
 */
import type { NavFlow, NavSample } from "../../../core/db/NavHistory"

export interface Point {
  readonly ts: number
  readonly nav: number
  /** The return of the interval that ends here (0 at the first sample). */
  readonly r: number
  /** Growth of 1 since the first sample. */
  readonly index: number
  /** (peak − index) / peak × 100. */
  readonly drawdownPct: number
}

export interface Performance {
  readonly points: ReadonlyArray<Point>
  /** The return of the latest sample's day, month and year so far, and since the first sample; undefined: no data. */
  readonly day: number | undefined
  readonly month: number | undefined
  readonly year: number | undefined
  readonly inception: number | undefined
  readonly maxDrawdownPct: number
  /**
   * Per year (ascending), the twelve monthly returns and the year's. A month before the first sample or after the
   * last is undefined; one between them without a sample is 0: the Accounts Service marks the NAV at the end of
   * every hour in which it changed (`NavMarks`), so no sample means nothing changed it.
   */
  readonly monthly: ReadonlyArray<{
    readonly year: number
    readonly months: ReadonlyArray<number | undefined>
    readonly total: number
  }>
}

const dayOf = (ts: number) => new Date(Math.floor(ts / 1000)).toISOString().slice(0, 10)

/**
 * The performance of `samples` (oldest first) given `flows` (oldest first). Flows in another currency than the
 * samples' are not netted (they are rare: the portal moves the base currency).
 */
export const performance = (samples: ReadonlyArray<NavSample>, flows: ReadonlyArray<NavFlow>): Performance => {
  const currency = samples[0]?.currency
  const points: Array<Point> = []
  let f = 0
  let index = 1
  let peak = 1
  let maxDrawdownPct = 0
  for (const [i, s] of samples.entries()) {
    let flow = 0
    while (f < flows.length && flows[f]!.ts <= s.ts) {
      if (flows[f]!.currency === currency) flow += flows[f]!.amount
      f++
    }
    const previous = samples[i - 1]
    const base = previous === undefined ? 0 : previous.nav + flow
    const r = previous === undefined || base <= 0 ? 0 : (s.nav - previous.nav - flow) / base
    index *= 1 + r
    peak = Math.max(peak, index)
    const drawdownPct = peak > 0 ? ((peak - index) / peak) * 100 : 0
    maxDrawdownPct = Math.max(maxDrawdownPct, drawdownPct)
    points.push({ ts: s.ts, nav: s.nav, r, index, drawdownPct })
  }
  const last = points.at(-1)
  const within = (prefix: string) =>
    last === undefined
      ? undefined
      : points.reduce((g, p) => (dayOf(p.ts).startsWith(prefix) ? g * (1 + p.r) : g), 1) - 1
  const lastDay = last === undefined ? "" : dayOf(last.ts)
  const years = new Map<number, Array<number | undefined>>()
  for (const p of points) {
    const day = dayOf(p.ts)
    const year = Number(day.slice(0, 4))
    const month = Number(day.slice(5, 7)) - 1
    const months = years.get(year) ?? new Array<number | undefined>(12).fill(undefined)
    months[month] = ((months[month] ?? 0) + 1) * (1 + p.r) - 1
    years.set(year, months)
  }
  // Every month from the first sample's to the last's has a return.
  const first = points[0]
  if (first !== undefined && last !== undefined) {
    const [y0, m0] = [Number(dayOf(first.ts).slice(0, 4)), Number(dayOf(first.ts).slice(5, 7)) - 1]
    const [y1, m1] = [Number(lastDay.slice(0, 4)), Number(lastDay.slice(5, 7)) - 1]
    for (let y = y0; y <= y1; y++) {
      const months = years.get(y) ?? new Array<number | undefined>(12).fill(undefined)
      for (let m = y === y0 ? m0 : 0; m <= (y === y1 ? m1 : 11); m++) months[m] ??= 0
      years.set(y, months)
    }
  }
  return {
    points,
    day: within(lastDay),
    month: within(lastDay.slice(0, 7)),
    year: within(lastDay.slice(0, 4)),
    inception: last === undefined ? undefined : last.index - 1,
    maxDrawdownPct,
    monthly: [...years]
      .sort(([a], [b]) => a - b)
      .map(([year, months]) => ({ year, months, total: months.reduce<number>((g, m) => g * (1 + (m ?? 0)), 1) - 1 }))
  }
}
