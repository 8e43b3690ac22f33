/**
 * Which bar an instant falls in: the `[start, end)` of its period, aligned to period boundaries in UTC, or — for
 * day and week periods with a time zone — to local midnights (a local day lasts 23 or 25 hours across a DST
 * change). Weeks start on Monday. The current bucket is cached, so the per-event cost is two comparisons.
 */

import { Zone } from "../../domain/internal/zone"
import { type BarPeriod, periodMicros } from "../../domain/MarketData"
import { MICROS_PER_DAY, MICROS_PER_MILLI } from "../../domain/Units"

/** 1970-01-05, the first Monday after the epoch, in days. */
const FIRST_MONDAY = 4

export class BarBuckets {
  /** Start of the bucket of the last `locate`, µs; `NaN` before the first. */
  start = Number.NaN
  /** End (exclusive) of that bucket, µs. */
  end = Number.NaN
  private readonly periodUs: number
  private readonly days: number
  private readonly anchor: number
  private readonly zone: Zone | undefined

  constructor(period: BarPeriod, timezone?: string) {
    this.periodUs = periodMicros(period)
    const unit = period.slice(-1)
    const count = Number(period.slice(0, -1))
    this.days = unit === "w" ? count * 7 : unit === "d" ? count : 0
    this.anchor = unit === "w" ? FIRST_MONDAY : 0
    const local = this.days > 0 && timezone !== undefined && timezone !== "UTC"
    this.zone = local ? Zone.of(timezone) : undefined
    if (local && this.zone === undefined) throw new RangeError(`Invalid time zone specified: ${timezone}`)
  }

  /** Move the cached bucket to the one containing `ts` (µs). */
  locate(ts: number): void {
    if (ts >= this.start && ts < this.end) return
    const zone = this.zone
    if (zone === undefined) {
      const anchorUs = this.anchor * MICROS_PER_DAY
      this.start = Math.floor((ts - anchorUs) / this.periodUs) * this.periodUs + anchorUs
      this.end = this.start + this.periodUs
      return
    }
    const localDay = Math.floor(
      (ts + zone.offsetMs(Math.floor(ts / MICROS_PER_MILLI)) * MICROS_PER_MILLI) / MICROS_PER_DAY
    )
    const first = Math.floor((localDay - this.anchor) / this.days) * this.days + this.anchor
    this.start = zone.toUtcUs(first * MICROS_PER_DAY, Number.NEGATIVE_INFINITY)
    this.end = zone.toUtcUs((first + this.days) * MICROS_PER_DAY, Number.NEGATIVE_INFINITY)
  }
}
