/**
 * Wall-clock time in an IANA zone to microseconds since the epoch, with the zone rules of the runtime's Intl.
 */

const MS_PER_DAY = 86_400_000
/** Offsets are looked up per quarter hour of UTC: every zone in use since 1970 changes offset on one. */
const BUCKET_MS = 900_000

const formatters = new Map<string, Intl.DateTimeFormat>()

/** One formatter per zone for the whole process (creating one costs far more than using it); undefined if unknown. */
const formatterOf = (zone: string): Intl.DateTimeFormat | undefined => {
  const cached = formatters.get(zone)
  if (cached !== undefined) return cached
  let formatter: Intl.DateTimeFormat
  try {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric"
    })
  } catch {
    return undefined
  }
  formatters.set(zone, formatter)
  return formatter
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12), without `Date` and its two-digit years. */
export const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** Converts wall-clock times of one zone, remembering the offsets it has looked up. */
export class ZoneOffsets {
  private readonly offsets = new Map<number, number>()

  private constructor(private readonly formatter: Intl.DateTimeFormat) {}

  /** The converter of `zone`, or undefined if the runtime does not know the zone. */
  static of(zone: string): ZoneOffsets | undefined {
    const formatter = formatterOf(zone)
    return formatter === undefined ? undefined : new ZoneOffsets(formatter)
  }

  /** The zone's offset from UTC in milliseconds at the instant `utcMs`. */
  offsetMs(utcMs: number): number {
    const bucket = Math.floor(utcMs / BUCKET_MS)
    let offset = this.offsets.get(bucket)
    if (offset === undefined) {
      offset = this.compute(bucket * BUCKET_MS)
      this.offsets.set(bucket, offset)
    }
    return offset
  }

  /**
   * The instant of wall-clock time `wallUs` (written as if it were UTC). A time that occurs twice when clocks go
   * back is the earlier instant, unless that is before `notBefore` and the later is not: sorted local data
   * through the repeated hour then stays sorted. A time skipped when clocks go forward is moved forward by the
   * gap (02:30 becomes 03:30), as `Temporal`'s "compatible" disambiguation does.
   */
  toUtcUs(wallUs: number, notBefore: number): number {
    const wallMs = Math.floor(wallUs / 1000)
    // At most one transition within a day either side: the candidates are the offsets before and after it.
    const before = this.offsetMs(wallMs - MS_PER_DAY)
    const after = this.offsetMs(wallMs + MS_PER_DAY)
    const early = wallUs - before * 1000
    if (before === after) return early
    const late = wallUs - after * 1000
    const earlyValid = this.offsetMs(Math.floor(early / 1000)) === before
    const lateValid = this.offsetMs(Math.floor(late / 1000)) === after
    if (earlyValid && lateValid) {
      const first = Math.min(early, late)
      const second = Math.max(early, late)
      return first < notBefore && second >= notBefore ? second : first
    }
    if (lateValid) return late
    // Valid with the earlier offset, or in the gap, where the earlier offset lands after the gap.
    return early
  }

  private compute(utcMs: number): number {
    let year = 0
    let month = 0
    let day = 0
    let hour = 0
    let minute = 0
    let second = 0
    for (const part of this.formatter.formatToParts(utcMs)) {
      switch (part.type) {
        case "year":
          year = Number(part.value)
          break
        case "month":
          month = Number(part.value)
          break
        case "day":
          day = Number(part.value)
          break
        case "hour":
          hour = Number(part.value)
          break
        case "minute":
          minute = Number(part.value)
          break
        case "second":
          second = Number(part.value)
          break
      }
    }
    const wallMs = (daysFromCivil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second) * 1000
    return wallMs - utcMs
  }
}
