/**
 * Holiday calendars: the days an exchange is closed and the days it closes early, in its own time zone.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { daysFromCivil, Zone } from "./internal/zone"
import { MICROS_PER_MILLI } from "./Units"

/** A calendar date, `YYYY-MM-DD`. */
export const IsoDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: () => "date must be YYYY-MM-DD" })
)

export const Calendar = Schema.Struct({
  /** Id referenced by `Instrument.calendar`, e.g. `XNYS`, `CME`. */
  id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(32)),
  timezone: Schema.String.pipe(Schema.minLength(1)),
  holidays: Schema.Array(IsoDate),
  earlyCloses: Schema.Array(
    Schema.Struct({
      date: IsoDate,
      close: Schema.String.pipe(Schema.pattern(/^([01]\d|2[0-3]):[0-5]\d$/, { message: () => "close must be HH:MM" }))
    })
  )
})
export type Calendar = typeof Calendar.Type

const dayNumber = (date: string): number =>
  daysFromCivil(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)))

/** A calendar prepared for look-ups by local day. */
export interface CalendarIndex {
  readonly calendar: Calendar
  /** Whether the exchange is closed all day on the local date of `ts` (µs). */
  readonly isHoliday: (ts: number) => boolean
  /** The early close (`HH:MM`) on the local date of `ts`, if any. */
  readonly earlyClose: (ts: number) => string | undefined
}

export const index = (calendar: Calendar): CalendarIndex => {
  const zone = Zone.of(calendar.timezone)
  if (zone === undefined) throw new RangeError(`calendar ${calendar.id}: unknown time zone ${calendar.timezone}`)
  const holidays = new Set(calendar.holidays.map(dayNumber))
  const early = new Map(calendar.earlyCloses.map((e) => [dayNumber(e.date), e.close] as const))
  const localDay = (ts: number) => {
    const w = zone.wallClock(Math.floor(ts / MICROS_PER_MILLI))
    return daysFromCivil(w.year, w.month, w.day)
  }
  return {
    calendar,
    isHoliday: (ts) => holidays.has(localDay(ts)),
    earlyClose: (ts) => early.get(localDay(ts))
  }
}
