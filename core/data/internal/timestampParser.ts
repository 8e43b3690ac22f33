/**
 * ISO-8601 dates and date-times of CSV files to microseconds since the epoch.
 */
import { daysFromCivil, type Zone } from "../../domain/internal/zone"

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/

const US_PER_SECOND = 1_000_000
const US_PER_DAY = 86_400 * US_PER_SECOND
const MS_PER_DAY = 86_400_000

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

/** Days of a month (1-12) of a year. */
export const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeap(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31

/** Wall-clock µs of a time of day on day `days` since 1970-01-01: the one formula of text and byte parsing. */
export const wallMicros = (days: number, hour: number, minute: number, second: number, micros: number): number =>
  days * US_PER_DAY + (hour * 3_600 + minute * 60 + second) * US_PER_SECOND + micros

/**
 * Parses `2020-01-02`, `2020-01-02T14:30:00`, `2020-01-02 14:30:00.123456`, each with an optional `Z`, `+01:00`,
 * `+0100` or `+01`. A time without a zone is wall-clock time in the parser's zone; a date alone is its midnight.
 */
export class TimestampParser {
  /** After a successful `parse`: the wall-clock time as written, as if it were UTC (bar gaps ignore DST). */
  wallUs = 0
  /** After a failed `parse`: why. */
  error = ""
  /** The wall-clock day of the last instant in the zone, and its offset in µs if steady all day (else NaN). */
  private day = Number.NaN
  private dayOffsetUs = Number.NaN

  /** `zone` undefined means UTC. */
  constructor(private readonly zone: Zone | undefined) {}

  /**
   * Microseconds since the epoch, or NaN with `error` set. `notBefore` (the previous row's time) chooses between
   * the two instants of a wall-clock time repeated when clocks go back.
   */
  parse(text: string, notBefore: number): number {
    const m = ISO.exec(text)
    if (m === null) return this.fail(`"${text}" is not an ISO date or date-time (2020-01-02 or 2020-01-02T14:30:00)`)
    const year = Number(m[1])
    const month = Number(m[2])
    const day = Number(m[3])
    const hour = Number(m[4] ?? "0")
    const minute = Number(m[5] ?? "0")
    const second = Number(m[6] ?? "0")
    const fraction = (m[7] ?? "").padEnd(9, "0")
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      return this.fail(`"${text}" is not a calendar date`)
    }
    if (hour > 23 || minute > 59 || second > 59) return this.fail(`"${text}" is not a time of day`)
    if (!fraction.endsWith("000")) return this.fail(`"${text}" is more precise than a microsecond`)
    const zone = m[8]
    const offset = zone === undefined ? undefined : offsetUs(zone)
    if (Number.isNaN(offset)) return this.fail(`"${zone}" is not a UTC offset`)
    const wall = wallMicros(daysFromCivil(year, month, day), hour, minute, second, Number(fraction.slice(0, 6)))
    const ts = this.instant(wall, offset, notBefore)
    if (ts < 0) return this.fail(`"${text}" is before 1970`)
    return ts
  }

  /**
   * The instant (µs) of wall-clock time `wallUs`, written with a UTC offset or without one (`undefined`: in the
   * parser's zone), and sets `wallUs`. `notBefore` as for `parse`; the caller refuses a negative instant.
   */
  instant(wallUs: number, offsetUs: number | undefined, notBefore: number): number {
    this.wallUs = wallUs
    if (offsetUs !== undefined) return wallUs - offsetUs
    if (this.zone === undefined) return wallUs
    const day = Math.floor(wallUs / US_PER_DAY)
    if (day !== this.day) {
      this.day = day
      this.dayOffsetUs = steadyOffsetUs(this.zone, day)
    }
    return Number.isNaN(this.dayOffsetUs) ? this.zone.toUtcUs(wallUs, notBefore) : wallUs - this.dayOffsetUs
  }

  private fail(message: string): number {
    this.error = message
    return Number.NaN
  }
}

/**
 * The zone's offset (µs) through wall-clock day `day`, if steady; else NaN. `Zone.toUtcUs` subtracts the offset when
 * it is the same a day before and a day after the time. The same at every midnight from the day before to two days
 * on, it is the same in between (`Zone` assumes at most one change within a day): a subtraction all day, with no
 * lookup per row.
 */
const steadyOffsetUs = (zone: Zone, day: number): number => {
  const start = day * MS_PER_DAY
  const offset = zone.offsetMs(start - MS_PER_DAY)
  const steady =
    zone.offsetMs(start) === offset &&
    zone.offsetMs(start + MS_PER_DAY) === offset &&
    zone.offsetMs(start + 2 * MS_PER_DAY - 1) === offset
  return steady ? offset * 1000 : Number.NaN
}

/** `Z`, `+01:00`, `+0100` or `+01` in microseconds; NaN if out of range. */
const offsetUs = (zone: string): number => {
  if (zone === "Z" || zone === "z") return 0
  const sign = zone[0] === "-" ? -1 : 1
  const digits = zone.slice(1).replace(":", "")
  const hours = Number(digits.slice(0, 2))
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0
  if (hours > 23 || minutes > 59) return Number.NaN
  return sign * (hours * 3_600 + minutes * 60) * US_PER_SECOND
}
