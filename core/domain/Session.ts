/**
 * Trading sessions in wall-clock time: whether an instant falls in one of an instrument's sessions, and when the
 * current (or next) session closes. Time zones come from the IANA database through `Intl`, so results are the same
 * on every machine and do not depend on the process's own zone.
 *
 * @since 0.1.0
 */
import type { Instrument, TradingSession, Weekday } from "./Instrument"
import { MICROS_PER_DAY, MICROS_PER_MILLI } from "./Units"

const WEEKDAYS: ReadonlyArray<Weekday> = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

// Building a DateTimeFormat is costly; one per zone is enough because it holds no per-call state.
const formatters = new Map<string, Intl.DateTimeFormat>()

const formatterFor = (zone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(zone)
  if (formatter === undefined) {
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
    formatters.set(zone, formatter)
  }
  return formatter
}

interface WallClock {
  readonly year: number
  readonly month: number
  readonly day: number
  /** Minutes since local midnight. */
  readonly minute: number
  readonly second: number
}

const wallClock = (zone: string, utcMillis: number): WallClock => {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 }
  for (const part of formatterFor(zone).formatToParts(utcMillis)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value)
  }
  return { ...fields, minute: fields.hour * 60 + fields.minute }
}

/** The zone's offset from UTC in milliseconds at the instant `utcMillis`. */
const offsetMillis = (zone: string, utcMillis: number): number => {
  const w = wallClock(zone, utcMillis)
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, 0, w.minute, w.second)
  return wallAsUtc - Math.floor(utcMillis / 1000) * 1000
}

/** The UTC instant of a wall-clock time; a time skipped by a DST change resolves to the offset after it. */
const wallToUtcMillis = (zone: string, year: number, month: number, day: number, minute: number): number => {
  const guess = Date.UTC(year, month - 1, day, 0, minute)
  const first = guess - offsetMillis(zone, guess)
  const second = guess - offsetMillis(zone, first)
  return first === second ? first : Math.max(first, second)
}

const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5))

const weekdayOf = (year: number, month: number, day: number): Weekday =>
  WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()] ?? "sun"

const isOvernight = (session: TradingSession): boolean => minutesOf(session.close) <= minutesOf(session.open)

/** Whether `ts` (µs) falls inside one of the instrument's sessions; always true for a 24/7 instrument. */
export const isInSession = (instrument: Instrument, ts: number): boolean => {
  if (instrument.sessions.length === 0) return true
  const w = wallClock(instrument.timezone, Math.floor(ts / MICROS_PER_MILLI))
  const today = weekdayOf(w.year, w.month, w.day)
  const yesterday = weekdayOf(w.year, w.month, w.day - 1)
  return instrument.sessions.some((session) => {
    const open = minutesOf(session.open)
    const close = minutesOf(session.close)
    if (!isOvernight(session)) return session.days.includes(today) && w.minute >= open && w.minute < close
    return (session.days.includes(today) && w.minute >= open) || (session.days.includes(yesterday) && w.minute < close)
  })
}

/**
 * The end (µs) of the session that contains `ts`, or of the next session when `ts` falls between sessions;
 * `undefined` for an instrument without sessions (it trades around the clock).
 */
export const sessionClose = (instrument: Instrument, ts: number): number | undefined => {
  if (instrument.sessions.length === 0) return undefined
  const zone = instrument.timezone
  const millis = Math.floor(ts / MICROS_PER_MILLI)
  const w = wallClock(zone, millis)
  let best: number | undefined
  // Yesterday's overnight session may still be open; a week ahead always reaches the next session.
  for (let offset = -1; offset <= 7; offset++) {
    const date = new Date(Date.UTC(w.year, w.month - 1, w.day + offset))
    const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]
    const weekday = weekdayOf(year, month, day)
    for (const session of instrument.sessions) {
      if (!session.days.includes(weekday)) continue
      const closeDay = isOvernight(session) ? day + 1 : day
      const close = wallToUtcMillis(zone, year, month, closeDay, minutesOf(session.close)) * MICROS_PER_MILLI
      // Sessions do not overlap, so the earliest close after ts ends the current session or the next one.
      if (close > ts && (best === undefined || close < best)) best = close
    }
    if (best !== undefined && offset >= 0) break
  }
  return best
}

/** The next UTC midnight after `ts` (µs): the trading day of an instrument without sessions. */
export const nextUtcMidnight = (ts: number): number => (Math.floor(ts / MICROS_PER_DAY) + 1) * MICROS_PER_DAY
