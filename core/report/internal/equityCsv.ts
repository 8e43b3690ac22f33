/**
 * The equity CSV, written as ASCII bytes into one reused buffer and decoded once per chunk. A string per cell
 * would cost seconds for a million rows (V8 allocates, concatenates and flattens each). The text is the former
 * one, cell for cell: `formatTimestamp`, `Decimal.fromUnits` and `numberText`.
 *
 * Chunks are 64 KiB: a string of 128 KiB or more is allocated in V8's large-object space, which measured ~3 ms per
 * MB here (decoding and writing 45 MB took 182 ms of CPU in 1 MB strings, 28 ms in 64 KiB ones).
 */
import { MICROS_PER_DAY } from "../../domain/Units"
import { utcDayStart } from "./days"
import { numberText } from "./format"
import type { EquityCurve } from "./model"

const CHUNK_BYTES = 1 << 16
/** Room for the longest row: a 30-byte timestamp, money of 16 digits and 18 decimals, the drawdown's text. */
const ROW_BYTES = 512

const COMMA = 44
const MINUS = 45
const POINT = 46
const COLON = 58
const ZERO = 48
const NEWLINE = 10
const Z = 90
const INT32_MAX = 0x7fffffff

const HEADER = "ts,equity,drawdownPct\n"

/** The CSV's chunks: the header, then a row per sample; money with `decimals` digits after the point. */
export function* equityCsvChunks(curve: EquityCurve, decimals: number): Generator<string, void, undefined> {
  const { ts, equity, drawdownPct } = curve
  const bytes = new Uint8Array(CHUNK_BYTES + ROW_BYTES)
  const decoder = new TextDecoder()
  const scale = 10 ** decimals
  let at = text(bytes, 0, HEADER)
  // The row's UTC day, [dayStart, dayEnd), and its date part as bytes: one `Date` per day, not per row.
  let dayStart = Number.POSITIVE_INFINITY
  let dayEnd = Number.NEGATIVE_INFINITY
  const date = new Uint8Array(16)
  let dateLength = 0
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!
    if (t < dayStart || t >= dayEnd) {
      dayStart = utcDayStart(t)
      dayEnd = dayStart + MICROS_PER_DAY
      const iso = new Date(dayStart / 1000).toISOString()
      dateLength = text(date, 0, iso.slice(0, iso.indexOf("T") + 1))
    }
    for (let k = 0; k < dateLength; k++) bytes[at++] = date[k]!
    at = timeOfDay(bytes, at, t - dayStart)
    bytes[at++] = COMMA
    at = money(bytes, at, equity[i]!, decimals, scale)
    bytes[at++] = COMMA
    at = percent(bytes, at, drawdownPct[i]!)
    bytes[at++] = NEWLINE
    if (at >= CHUNK_BYTES) {
      yield decoder.decode(bytes.subarray(0, at))
      at = 0
    }
  }
  if (at > 0) yield decoder.decode(bytes.subarray(0, at))
}

// Each writer puts its bytes at `at` and returns the position after them.

const text = (bytes: Uint8Array, at: number, s: string): number => {
  for (let i = 0; i < s.length; i++) bytes[at++] = s.charCodeAt(i)
  return at
}

/** "00" to "99" as ASCII byte pairs. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => ZERO + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10))

/** A non-negative safe integer in exactly `width` digits, zeros in front. */
const padded = (bytes: Uint8Array, at: number, n: number, width: number): number => {
  if (n > INT32_MAX) {
    // int32 arithmetic below: `%` on a double that is not one calls fmod.
    const low = n % 1e8
    return padded(bytes, padded(bytes, at, (n - low) / 1e8, width - 8), low, 8)
  }
  let v = n | 0
  const end = at + width
  let i = end
  while (i - at >= 2) {
    const q = (v / 100) | 0
    const pair = (v - q * 100) << 1
    bytes[--i] = PAIRS[pair + 1]!
    bytes[--i] = PAIRS[pair]!
    v = q
  }
  if (i > at) bytes[at] = ZERO + v
  return end
}

/** A non-negative safe integer. */
const integer = (bytes: Uint8Array, at: number, n: number): number => padded(bytes, at, n, digits(n))

/** Digits of a non-negative safe integer: comparisons, a few for the usual sizes. */
const digits = (n: number): number => {
  if (n < 1e4) return n < 100 ? (n < 10 ? 1 : 2) : n < 1000 ? 3 : 4
  if (n < 1e8) return n < 1e6 ? (n < 1e5 ? 5 : 6) : n < 1e7 ? 7 : 8
  let width = 9
  for (let p = 1e9; p <= n; p *= 10) width++
  return width
}

/** `HH:MM:SS.mmm[uuu]Z` of µs since midnight, as `formatTimestamp` prints it. */
const timeOfDay = (bytes: Uint8Array, at: number, micros: number): number => {
  const millisOfDay = Math.floor(micros / 1000)
  const micro = (micros - millisOfDay * 1000) | 0
  const millis = millisOfDay | 0
  const seconds = (millis / 1000) | 0
  const minutes = (seconds / 60) | 0
  const hours = (minutes / 60) | 0
  at = padded(bytes, at, hours, 2)
  bytes[at++] = COLON
  at = padded(bytes, at, minutes - hours * 60, 2)
  bytes[at++] = COLON
  at = padded(bytes, at, seconds - minutes * 60, 2)
  bytes[at++] = POINT
  at = padded(bytes, at, millis - seconds * 1000, 3)
  if (micro !== 0) at = padded(bytes, at, micro, 3)
  bytes[at++] = Z
  return at
}

/** Minor units (a safe integer) with `decimals` digits after the point, as `Decimal.fromUnits` prints them. */
const money = (bytes: Uint8Array, at: number, units: number, decimals: number, scale: number): number => {
  if (units < 0) bytes[at++] = MINUS
  const abs = Math.abs(units)
  if (decimals === 0) return integer(bytes, at, abs)
  // Below 2^31 the quotient is far enough from the next integer for `floor` to be exact, and cheaper than `%`.
  const whole = abs <= INT32_MAX ? Math.floor(abs / scale) : (abs - (abs % scale)) / scale
  const fraction = abs - whole * scale
  at = integer(bytes, at, whole)
  bytes[at++] = POINT
  return padded(bytes, at, fraction, decimals)
}

/**
 * `numberText(x)`: rounded to 6 decimals, trailing zeros dropped. Below 10^6 the digits are those of
 * `Math.round(x × 10^6)` (at most 12, so the shortest decimal of the rounded double is exactly them), except
 * within 10^-3 of a half, where the product's rounding could decide and `toFixed` does instead.
 */
const percent = (bytes: Uint8Array, at: number, x: number): number => {
  const scaled = x * 1e6
  const below = Math.floor(scaled)
  const half = scaled - below - 0.5
  if (!(x >= 0 && x < 1e6) || (half > -1e-3 && half < 1e-3)) return text(bytes, at, numberText(x))
  const units = half > 0 ? below + 1 : below
  const whole = Math.floor(units / 1e6)
  let fraction = (units - whole * 1e6) | 0
  at = integer(bytes, at, whole)
  if (fraction === 0) return at
  let width = 6
  for (let q = (fraction / 10) | 0; q * 10 === fraction; q = (fraction / 10) | 0) {
    fraction = q
    width--
  }
  bytes[at++] = POINT
  return padded(bytes, at, fraction, width)
}
