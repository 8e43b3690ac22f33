/**
 * Plain CSV rows read straight from their bytes, with no string or object per field: ISO dates and date-times to
 * wall-clock microseconds, decimals to ticks and lots in integer arithmetic, sides to aggressor codes. A row with
 * anything else (quotes, spaces, offsets, too many digits, off-grid values with `exact`, any error) is not plain: the
 * string path reads it and words its problems.
 */
import { daysFromCivil } from "../../domain/internal/zone"
import type { PlainReader, Row } from "./csvRows"
import { type Grid, SIDES } from "./fieldParser"
import { daysInMonth, wallMicros } from "./timestampParser"

/** What a column holds. */
export type FieldKind = "time" | "price" | "size" | "side"

const SKIP = 0
const TIME = 1
const PRICE = 2
const SIZE = 3
const SIDE = 4
const CODES = { time: TIME, price: PRICE, size: SIZE, side: SIDE } as const

const EXACT = 0
const FLOOR = 1
const CEIL = 2
const HALF_UP = 3
const HALF_EVEN = 4
const ROUNDINGS = { exact: EXACT, floor: FLOOR, ceil: CEIL, "half-up": HALF_UP, "half-even": HALF_EVEN } as const

const LF = 10
const CR = 13
const SPACE = 32
const QUOTE = 34
const PLUS = 43
const COMMA = 44
const MINUS = 45
const DOT = 46
const COLON = 58
const ZERO = 48
const UPPER_T = 84
const UPPER_Z = 90

/** Up to 15 digits, a mantissa is below 10^15 and exact in a double; longer ones take the BigInt path. */
const MAX_DIGITS = 15
/** Powers of ten exact in a double. */
const POW10 = Array.from({ length: 23 }, (_, n) => 10 ** n)

/** Up to four lower-case ASCII letters as one number: how sides are matched without a string. */
const packLetters = (letters: string): number => {
  let key = 0
  for (let i = 0; i < letters.length; i++) key = key * 256 + letters.charCodeAt(i)
  return key
}

const SIDE_KEYS = new Map(Array.from(SIDES, ([name, code]) => [packLetters(name), code]))

/** Two decimal digits at `i` as a number, or -1. */
const twoDigits = (bytes: Uint8Array, i: number): number => {
  const high = bytes[i]! - ZERO
  const low = bytes[i + 1]! - ZERO
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : -1
}

/**
 * `num / den` rounded to an integer as `Decimal.toUnits` rounds, NaN if it is not whole and `rounding` is exact.
 * Both are safe integers, `den` positive: `%` is exact, and so is every step.
 */
const divide = (num: number, den: number, rounding: number): number => {
  const rest = num % den
  if (rest === 0) return num / den
  if (rounding === EXACT) return Number.NaN
  const truncated = (num - rest) / den
  const floor = num < 0 ? truncated - 1 : truncated
  if (rounding === FLOOR) return floor
  if (rounding === CEIL) return floor + 1
  const twice = 2 * (rest < 0 ? rest + den : rest)
  if (twice < den) return floor
  if (twice > den) return floor + 1
  if (rounding === HALF_UP) return num < 0 ? floor : floor + 1
  return floor % 2 === 0 ? floor : floor + 1
}

/** A grid as numbers: the increment's mantissa (NaN when not a safe integer: no row is then plain) and scale. */
interface NumberGrid {
  readonly mantissa: number
  readonly scale: number
  readonly rounding: number
}

const numberGrid = (grid: Grid): NumberGrid => {
  const mantissa = Number(grid.increment.mantissa)
  return {
    mantissa: Number.isSafeInteger(mantissa) ? mantissa : Number.NaN,
    scale: grid.increment.scale,
    rounding: ROUNDINGS[grid.rounding]
  }
}

/** The plain-row reader of one file: which column holds what, and the grids of its prices and sizes. */
export class ByteFields implements PlainReader {
  private readonly kinds: Uint8Array
  private readonly prices: NumberGrid
  private readonly sizes: NumberGrid
  /** Where the last field read ends. */
  private end = 0
  /** Whether the last time read was in UTC. */
  private utc = false
  /** The day of the last time read: its key (year, month, day) and days since 1970. */
  private dayKey = -1
  private days = 0

  /** `kinds` has an entry per column of the header, undefined for a column no reader uses. */
  constructor(kinds: ReadonlyArray<FieldKind | undefined>, prices: Grid, sizes: Grid) {
    this.kinds = Uint8Array.from(kinds, (kind) => (kind === undefined ? SKIP : CODES[kind]))
    this.prices = numberGrid(prices)
    this.sizes = numberGrid(sizes)
  }

  read(bytes: Uint8Array, start: number, row: Row): number {
    const kinds = this.kinds
    const values = row.values
    const length = bytes.length
    const last = kinds.length - 1
    let i = start
    for (let column = 0; column <= last; column++) {
      let value: number
      switch (kinds[column]) {
        case TIME:
          value = this.time(bytes, i, length)
          row.utc = this.utc
          break
        case PRICE:
          value = this.decimal(bytes, i, length, this.prices)
          break
        case SIZE:
          value = this.decimal(bytes, i, length, this.sizes)
          break
        case SIDE:
          value = this.side(bytes, i, length)
          break
        default:
          value = this.skip(bytes, i, length)
      }
      if (Number.isNaN(value)) return -1
      values[column] = value
      i = this.end
      if (column < last) {
        if (i >= length || bytes[i] !== COMMA) return -1
        i++
      }
    }
    if (i >= length || bytes[i] === LF) return i
    return bytes[i] === CR && (i + 1 === length || bytes[i + 1] === LF) ? i + 1 : -1
  }

  /** `YYYY-MM-DD`, then optionally `[T ]HH:MM`, `:SS`, `.f` (up to 9 digits, to the µs), then optionally `Z`. */
  private time(bytes: Uint8Array, i: number, length: number): number {
    if (i + 10 > length || bytes[i + 4] !== MINUS || bytes[i + 7] !== MINUS) return Number.NaN
    const century = twoDigits(bytes, i)
    const yearOf = twoDigits(bytes, i + 2)
    const month = twoDigits(bytes, i + 5)
    const day = twoDigits(bytes, i + 8)
    if ((century | yearOf | month | day) < 0) return Number.NaN
    // Consecutive rows mostly share their day: it is checked and counted once.
    const key = ((century * 100 + yearOf) * 100 + month) * 100 + day
    if (key !== this.dayKey) {
      const year = century * 100 + yearOf
      if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN
      this.dayKey = key
      this.days = daysFromCivil(year, month, day)
    }
    i += 10
    let hour = 0
    let minute = 0
    let second = 0
    let micros = 0
    if (i < length && (bytes[i] === UPPER_T || bytes[i] === SPACE)) {
      if (i + 6 > length || bytes[i + 3] !== COLON) return Number.NaN
      hour = twoDigits(bytes, i + 1)
      minute = twoDigits(bytes, i + 4)
      if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return Number.NaN
      i += 6
      if (i < length && bytes[i] === COLON) {
        if (i + 3 > length) return Number.NaN
        second = twoDigits(bytes, i + 1)
        if (second < 0 || second > 59) return Number.NaN
        i += 3
        if (i < length && bytes[i] === DOT) {
          const from = ++i
          let fraction = 0
          for (; i < length && i - from < 9; i++) {
            const digit = bytes[i]! - ZERO
            if (digit < 0 || digit > 9) break
            fraction = fraction * 10 + digit
          }
          if (i === from) return Number.NaN
          const nanos = fraction * POW10[9 - (i - from)]!
          if (nanos % 1000 !== 0) return Number.NaN
          micros = nanos / 1000
        }
      }
    }
    this.utc = i < length && bytes[i] === UPPER_Z
    if (this.utc) i++
    this.end = i
    return wallMicros(this.days, hour, minute, second, micros)
  }

  /** `[+-]digits[.digits]` in units of `grid`: mantissa and scale, then an exact division by the increment. */
  private decimal(bytes: Uint8Array, i: number, length: number, grid: NumberGrid): number {
    const negative = i < length && bytes[i] === MINUS
    if (negative || (i < length && bytes[i] === PLUS)) i++
    let mantissa = 0
    const from = i
    for (; i < length; i++) {
      const digit = bytes[i]! - ZERO
      if (digit < 0 || digit > 9) break
      mantissa = mantissa * 10 + digit
    }
    if (i === from) return Number.NaN
    let scale = 0
    if (i < length && bytes[i] === DOT) {
      const point = ++i
      for (; i < length; i++) {
        const digit = bytes[i]! - ZERO
        if (digit < 0 || digit > 9) break
        mantissa = mantissa * 10 + digit
      }
      scale = i - point
      if (scale === 0 || i - from - 1 > MAX_DIGITS) return Number.NaN
    } else if (i - from > MAX_DIGITS) return Number.NaN
    // value / increment = (mantissa / 10^scale) / (grid.mantissa / 10^grid.scale), as num / den in safe integers.
    const up = grid.scale - scale
    let magnitude = mantissa
    let den = grid.mantissa
    if (up > 0) magnitude *= POW10[up]!
    else if (up < 0) den *= POW10[-up]!
    if (!(magnitude <= Number.MAX_SAFE_INTEGER && den <= Number.MAX_SAFE_INTEGER)) return Number.NaN
    this.end = i
    const num = negative ? 0 - magnitude : magnitude
    return den === 1 ? num : divide(num, den, grid.rounding)
  }

  /** A side of up to four ASCII letters, any case, or empty. */
  private side(bytes: Uint8Array, i: number, length: number): number {
    let key = 0
    const from = i
    for (; i < length && i - from < 4; i++) {
      const letter = bytes[i]! | 0x20
      if (letter < 97 || letter > 122) break
      key = key * 256 + letter
    }
    this.end = i
    return SIDE_KEYS.get(key) ?? Number.NaN
  }

  /** Past a field no reader uses; NaN at a quote (the row is then split by the string path). */
  private skip(bytes: Uint8Array, i: number, length: number): number {
    for (; i < length; i++) {
      const byte = bytes[i]
      if (byte === COMMA || byte === LF || byte === CR) break
      if (byte === QUOTE) return Number.NaN
    }
    this.end = i
    return 0
  }
}
