/**
 * ISO-8601 dates and date-times of CSV files to microseconds since the epoch.
 */
import { daysFromCivil, type Zone } from "../../domain/internal/zone"

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/

const US_PER_SECOND = 1_000_000
const US_PER_DAY = 86_400 * US_PER_SECOND

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeap(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31

/**
 * Parses `2020-01-02`, `2020-01-02T14:30:00`, `2020-01-02 14:30:00.123456`, each with an optional `Z`, `+01:00`,
 * `+0100` or `+01`. A time without a zone is wall-clock time in the parser's zone; a date alone is its midnight.
 */
export class TimestampParser {
  /** After a successful `parse`: the wall-clock time as written, as if it were UTC (bar gaps ignore DST). */
  wallUs = 0
  /** After a failed `parse`: why. */
  error = ""

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
    this.wallUs =
      daysFromCivil(year, month, day) * US_PER_DAY +
      (hour * 3_600 + minute * 60 + second) * US_PER_SECOND +
      Number(fraction.slice(0, 6))
    const zone = m[8]
    let ts: number
    if (zone !== undefined) {
      ts = this.wallUs - offsetUs(zone)
      if (Number.isNaN(ts)) return this.fail(`"${zone}" is not a UTC offset`)
    } else {
      ts = this.zone === undefined ? this.wallUs : this.zone.toUtcUs(this.wallUs, notBefore)
    }
    if (ts < 0) return this.fail(`"${text}" is before 1970`)
    return ts
  }

  private fail(message: string): number {
    this.error = message
    return Number.NaN
  }
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
