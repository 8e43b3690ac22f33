/**
 * Time zones with the IANA rules of the runtime's Intl: the wall clock of an instant, and the instant of a
 * wall-clock time. The one place that turns zones into offsets, for sessions and for data files alike.
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

/** The date and time of day a zone's clocks show, to the second (month 1-12, hour 0-23). */
export interface WallClock {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
}

/** One zone's clock, remembering the offsets it has looked up (keep one per task: the memory grows with its span). */
export class Zone {
  private readonly offsets = new Map<number, number>()

  private constructor(private readonly formatter: Intl.DateTimeFormat) {}

  /** The zone named `name`, or undefined if the runtime does not know it. */
  static of(name: string): Zone | undefined {
    const formatter = formatterOf(name)
    return formatter === undefined ? undefined : new Zone(formatter)
  }

  /** What the zone's clocks show at the instant `utcMs`. */
  wallClock(utcMs: number): WallClock {
    const clock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 }
    for (const part of this.formatter.formatToParts(utcMs)) {
      if (part.type in clock) clock[part.type as keyof WallClock] = Number(part.value)
    }
    return clock
  }

  /** The zone's offset from UTC in milliseconds at the instant `utcMs`. */
  offsetMs(utcMs: number): number {
    const bucket = Math.floor(utcMs / BUCKET_MS)
    let offset = this.offsets.get(bucket)
    if (offset === undefined) {
      const start = bucket * BUCKET_MS
      const w = this.wallClock(start)
      offset =
        (daysFromCivil(w.year, w.month, w.day) * 86_400 + w.hour * 3_600 + w.minute * 60 + w.second) * 1000 - start
      this.offsets.set(bucket, offset)
    }
    return offset
  }

  /**
   * The instant (µs) of wall-clock time `wallUs` (written as if it were UTC). A time that occurs twice when clocks
   * go back is the earlier instant, unless that is before `notBefore` and the later is not: sorted local data
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
}
