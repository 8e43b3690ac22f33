/**
 * Trading sessions in wall-clock time: whether an instant falls in one of an instrument's sessions, and when the
 * current (or next) session closes. Time zones come from the IANA database through `Intl`, so results are the same
 * on every machine and do not depend on the process's own zone.
 *
 * @since 0.1.0
 */
import type { Instrument, TradingSession, Weekday } from "./Instrument"
import { daysFromCivil, Zone } from "./internal/zone"
import { MICROS_PER_DAY, MICROS_PER_MILLI, MICROS_PER_SECOND } from "./Units"

const WEEKDAYS: ReadonlyArray<Weekday> = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

/** The instrument's zone; an unknown one is a defect of the instrument, reported as `Intl` reports it. */
const zoneOf = (instrument: Instrument): Zone => {
  const zone = Zone.of(instrument.timezone)
  if (zone === undefined) throw new RangeError(`Invalid time zone specified: ${instrument.timezone}`)
  return zone
}

/** The local date (days since 1970-01-01) and minute of the day that `zone`'s clocks show at `ts` (µs). */
const localDayAndMinute = (zone: Zone, ts: number): { readonly day: number; readonly minute: number } => {
  const w = zone.wallClock(Math.floor(ts / MICROS_PER_MILLI))
  return { day: daysFromCivil(w.year, w.month, w.day), minute: w.hour * 60 + w.minute }
}

const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5))

/** 1970-01-01 was a Thursday. */
const weekdayOf = (day: number): Weekday => WEEKDAYS[((day % 7) + 11) % 7] ?? "sun"

const isOvernight = (session: TradingSession): boolean => minutesOf(session.close) <= minutesOf(session.open)

/** Whether `ts` (µs) falls inside one of the instrument's sessions; always true for a 24/7 instrument. */
export const isInSession = (instrument: Instrument, ts: number): boolean => {
  if (instrument.sessions.length === 0) return true
  const { day, minute } = localDayAndMinute(zoneOf(instrument), ts)
  const today = weekdayOf(day)
  const yesterday = weekdayOf(day - 1)
  return instrument.sessions.some((session) => {
    const open = minutesOf(session.open)
    const close = minutesOf(session.close)
    if (!isOvernight(session)) return session.days.includes(today) && minute >= open && minute < close
    return (session.days.includes(today) && minute >= open) || (session.days.includes(yesterday) && minute < close)
  })
}

/**
 * The earliest of `at(session, day)` over the sessions held on the days from the day before `ts` on that `after`
 * accepts; `undefined` for an instrument without sessions. The scan stops at the first day from today that gives
 * one (a week ahead always does).
 */
const earliest = (
  instrument: Instrument,
  ts: number,
  at: (session: Instrument["sessions"][number], day: number, zone: Zone) => number,
  after: (boundary: number) => boolean
): number | undefined => {
  if (instrument.sessions.length === 0) return undefined
  const zone = zoneOf(instrument)
  const today = localDayAndMinute(zone, ts).day
  let best: number | undefined
  for (let offset = -1; offset <= 8; offset++) {
    const day = today + offset
    const weekday = weekdayOf(day)
    for (const session of instrument.sessions) {
      if (!session.days.includes(weekday)) continue
      const boundary = at(session, day, zone)
      if (after(boundary) && (best === undefined || boundary < best)) best = boundary
    }
    if (best !== undefined && offset >= 0) break
  }
  return best
}

/**
 * The end (µs) of the session that contains `ts`, or of the next session when `ts` falls between sessions;
 * `undefined` for an instrument without sessions (it trades around the clock). A close time skipped by a DST change
 * falls the gap later; one that occurs twice is the first occurrence not before `ts`. Yesterday's overnight session
 * may still be open; sessions do not overlap, so the earliest close after `ts` ends the current session or the next.
 */
export const sessionClose = (instrument: Instrument, ts: number): number | undefined =>
  earliest(
    instrument,
    ts,
    (session, day, zone) =>
      zone.toUtcUs(
        (isOvernight(session) ? day + 1 : day) * MICROS_PER_DAY + minutesOf(session.close) * 60 * MICROS_PER_SECOND,
        ts + 1
      ),
    (close) => close > ts
  )

/**
 * The start (µs) of the first session that opens at or after `ts`; `undefined` for an instrument without sessions.
 * An open time skipped by a DST change falls the gap later; one that occurs twice is the first not before `ts`.
 * The day before counts for an open late in a zone behind UTC.
 */
export const sessionOpen = (instrument: Instrument, ts: number): number | undefined =>
  earliest(
    instrument,
    ts,
    (session, day, zone) => zone.toUtcUs(day * MICROS_PER_DAY + minutesOf(session.open) * 60 * MICROS_PER_SECOND, ts),
    (open) => open >= ts
  )

/** The next UTC midnight after `ts` (µs): the trading day of an instrument without sessions. */
export const nextUtcMidnight = (ts: number): number => (Math.floor(ts / MICROS_PER_DAY) + 1) * MICROS_PER_DAY
