/**
 * The fast path of a bar file: a run of plain rows (unquoted `YYYY-MM-DD[ T]HH:MM[:SS[.f]][Z]` times in UTC and
 * decimals) read straight from the bytes into the columns, with every check `readBarsCsv` makes of a row, in one loop
 * with no call per field. It stops before the first row it does not take (anything else, or any problem), which the
 * row-by-row reader then reads and words: the result is the same columns and the same errors.
 */

import type { Grid } from "./fieldParser"

/** Where a bar file's columns stand, as `readBarsCsv` finds them in its header (`volume` -1 when absent). */
export interface BarLayout {
  readonly time: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
  readonly volume: number
}

/** A bar file's layout, grids and where the scan is: what `scanPlainBars` reads and advances. */
export interface PlainBarScan extends BarLayout {
  /** Columns of a row. */
  readonly width: number
  /** The grid of prices and of sizes: the increment's mantissa (a safe integer) and scale, and its rounding code. */
  readonly priceMantissa: number
  readonly priceScale: number
  readonly priceRounding: number
  readonly sizeMantissa: number
  readonly sizeScale: number
  readonly sizeRounding: number
  /** The instrument index written in every row. */
  readonly instrument: number
  /** Rows written so far, and the arrays they are written to (the scan stops when they are full). */
  n: number
  ts: Float64Array
  instruments: Uint32Array
  opens: Float64Array
  highs: Float64Array
  lows: Float64Array
  closes: Float64Array
  volumes: Float64Array
  /**
   * The previous bar's time (-1 before the first) and its wall-clock time, the smallest gap between two bars and its
   * line. A plain row is in UTC, its wall-clock time its instant; a row the row-by-row reader read with a UTC offset
   * is not.
   */
  lastTs: number
  lastWall: number
  minGap: number
  minGapLine: number
  /** The line of the last row read (1 is the header). */
  line: number
}

/** Rows of a first call to `scanPlainBars`. */
export const FIRST_ROWS = 16

/** Rounding codes of `PlainBarScan`, as `Decimal.Rounding` names them. */
export const ROUNDING_CODES = { exact: 0, floor: 1, ceil: 2, "half-up": 3, "half-even": 4 } as const

/**
 * Reads the rows of `bytes` from `start` (a row's first byte) into `s`'s arrays while they are plain bars that pass
 * `readBarsCsv`'s checks, the arrays have room and fewer than `maxRows` were read; returns where it stopped: the
 * start of the first row not read, or `bytes.length`.
 *
 * The first call should read a few rows only (`FIRST_ROWS`): every line of the function then runs once before the
 * loop is optimized, and the optimized code does not deoptimize at the end of each call for lack of type feedback.
 */
export function scanPlainBars(bytes: Uint8Array, start: number, s: PlainBarScan, maxRows: number): number {
  const length = bytes.length
  const capacity = Math.min(s.ts.length, s.n + maxRows)
  const width = s.width
  const last = width - 1
  // Each row's fields by column, reused.
  const fields = new Float64Array(width)
  const US_PER_DAY = 86_400_000_000
  let n = s.n
  let line = s.line
  let lastTs = s.lastTs
  let lastWall = s.lastWall
  let minGap = s.minGap
  let minGapLine = s.minGapLine
  let i = start
  rows: while (i < length && n < capacity) {
    let at = i
    let ts = -1
    for (let column = 0; column <= last; column++) {
      if (column === s.time) {
        // YYYY-MM-DD, then optionally [T ]HH:MM, :SS, .f (up to 9 digits, to the µs), then optionally Z.
        if (at + 10 > length || bytes[at + 4] !== 45 || bytes[at + 7] !== 45) break rows
        const c0 = bytes[at]! - 48
        const c1 = bytes[at + 1]! - 48
        const y0 = bytes[at + 2]! - 48
        const y1 = bytes[at + 3]! - 48
        const m0 = bytes[at + 5]! - 48
        const m1 = bytes[at + 6]! - 48
        const d0 = bytes[at + 8]! - 48
        const d1 = bytes[at + 9]! - 48
        if (
          (c0 | c1 | y0 | y1 | m0 | m1 | d0 | d1) < 0 ||
          c0 > 9 ||
          c1 > 9 ||
          y0 > 9 ||
          y1 > 9 ||
          m0 > 9 ||
          m1 > 9 ||
          d0 > 9 ||
          d1 > 9
        ) {
          break rows
        }
        const year = ((c0 * 10 + c1) * 10 + y0) * 10 + y1
        const month = m0 * 10 + m1
        const day = d0 * 10 + d1
        const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
        const monthDays =
          month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
        if (month < 1 || month > 12 || day < 1 || day > monthDays) break rows
        // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), at every row: a
        // branch taken once a day would have no type feedback when the loop is optimized, and cost a deoptimization.
        const y = month <= 2 ? year - 1 : year
        const era = Math.floor(y / 400)
        const yearOfEra = y - era * 400
        const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
        const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
        const days = era * 146_097 + dayOfEra - 719_468
        at += 10
        let seconds = 0
        let micros = 0
        if (at < length && (bytes[at] === 84 || bytes[at] === 32)) {
          if (at + 6 > length || bytes[at + 3] !== 58) break rows
          const h0 = bytes[at + 1]! - 48
          const h1 = bytes[at + 2]! - 48
          const n0 = bytes[at + 4]! - 48
          const n1 = bytes[at + 5]! - 48
          if ((h0 | h1 | n0 | n1) < 0 || h0 > 9 || h1 > 9 || n0 > 9 || n1 > 9) break rows
          const hour = h0 * 10 + h1
          const minute = n0 * 10 + n1
          if (hour > 23 || minute > 59) break rows
          seconds = hour * 3_600 + minute * 60
          at += 6
          if (at < length && bytes[at] === 58) {
            if (at + 3 > length) break rows
            const s0 = bytes[at + 1]! - 48
            const s1 = bytes[at + 2]! - 48
            if ((s0 | s1) < 0 || s0 > 9 || s1 > 9) break rows
            const second = s0 * 10 + s1
            if (second > 59) break rows
            seconds += second
            at += 3
            if (at < length && bytes[at] === 46) {
              const from = ++at
              let fraction = 0
              for (; at < length && at - from < 9; at++) {
                const digit = bytes[at]! - 48
                if (digit < 0 || digit > 9) break
                fraction = fraction * 10 + digit
              }
              if (at === from) break rows
              const nanos = fraction * 10 ** (9 - (at - from))
              if (nanos % 1000 !== 0) break rows
              micros = nanos / 1000
            }
          }
        }
        // A time in UTC, with Z or without an offset: the scan is only used for files read in UTC.
        if (at < length && bytes[at] === 90) at++
        ts = days * US_PER_DAY + seconds * 1_000_000 + micros
        fields[column] = ts
      } else if (
        column === s.open ||
        column === s.high ||
        column === s.low ||
        column === s.close ||
        column === s.volume
      ) {
        // [+-]digits[.digits] in units of the grid: mantissa and scale, then an exact division by the increment.
        const price = column !== s.volume
        const negative = at < length && bytes[at] === 45
        if (negative || (at < length && bytes[at] === 43)) at++
        let mantissa = 0
        const from = at
        for (; at < length; at++) {
          const digit = bytes[at]! - 48
          if (digit < 0 || digit > 9) break
          mantissa = mantissa * 10 + digit
        }
        if (at === from) break rows
        let scale = 0
        if (at < length && bytes[at] === 46) {
          const point = ++at
          for (; at < length; at++) {
            const digit = bytes[at]! - 48
            if (digit < 0 || digit > 9) break
            mantissa = mantissa * 10 + digit
          }
          scale = at - point
          if (scale === 0 || at - from - 1 > 15) break rows
        } else if (at - from > 15) break rows
        const up = (price ? s.priceScale : s.sizeScale) - scale
        let magnitude = mantissa
        let den = price ? s.priceMantissa : s.sizeMantissa
        if (up > 0) magnitude *= 10 ** up
        else if (up < 0) den *= 10 ** -up
        if (!(magnitude <= Number.MAX_SAFE_INTEGER && den <= Number.MAX_SAFE_INTEGER)) break rows
        const num = negative ? 0 - magnitude : magnitude
        let units = num
        if (den !== 1) {
          const rest = num % den
          if (rest === 0) units = num / den
          else {
            // As `Decimal.toUnits` rounds: 0 exact (refused here), 1 floor, 2 ceil, 3 half-up, 4 half-even.
            const rounding = price ? s.priceRounding : s.sizeRounding
            if (rounding === 0) break rows
            const truncated = (num - rest) / den
            const floor = num < 0 ? truncated - 1 : truncated
            if (rounding === 1) units = floor
            else if (rounding === 2) units = floor + 1
            else {
              const twice = 2 * (rest < 0 ? rest + den : rest)
              if (twice < den) units = floor
              else if (twice > den) units = floor + 1
              else if (rounding === 3) units = num < 0 ? floor : floor + 1
              else units = floor % 2 === 0 ? floor : floor + 1
            }
          }
        }
        // A negative size is an error the row-by-row reader words.
        if (!price && units < 0) break rows
        fields[column] = units
      } else {
        // A column no reader uses: past it, unless it is quoted.
        for (; at < length; at++) {
          const byte = bytes[at]
          if (byte === 44 || byte === 10 || byte === 13) break
          if (byte === 34) break rows
        }
      }
      if (column < last) {
        if (at >= length || bytes[at] !== 44) break rows
        at++
      }
    }
    // The row ends at a \n, a \r\n or the end of the bytes.
    let next: number
    if (at >= length) next = length
    else if (bytes[at] === 10) next = at + 1
    else if (bytes[at] === 13 && (at + 1 === length || bytes[at + 1] === 10)) next = at + 2
    else break
    // Bar times strictly increase; in UTC the wall-clock gap is the instants' gap.
    if (ts < 0 || ts <= lastTs) break
    const open = fields[s.open]!
    const high = fields[s.high]!
    const low = fields[s.low]!
    const close = fields[s.close]!
    if (high < low || high < open || high < close || low > open || low > close) break
    // The larger of the wall-clock and the instants' gaps, as `readBarsCsv` takes it.
    const gap = Math.max(ts - lastWall, ts - lastTs)
    if (n > 0 && gap < minGap) {
      minGap = gap
      minGapLine = line + 1
    }
    s.ts[n] = ts
    s.instruments[n] = s.instrument
    s.opens[n] = open
    s.highs[n] = high
    s.lows[n] = low
    s.closes[n] = close
    s.volumes[n] = s.volume < 0 ? 0 : fields[s.volume]!
    n++
    line++
    lastTs = ts
    lastWall = ts
    i = Math.min(next, length)
  }
  s.n = n
  s.line = line
  s.lastTs = lastTs
  s.lastWall = lastWall
  s.minGap = minGap
  s.minGapLine = minGapLine
  return i
}

const EMPTY64 = new Float64Array(0)

/**
 * A scan of a file of `width` columns laid out as `at`, writing `instrument` in each row, from its first row; or
 * undefined when an increment is not a safe integer (no row is then plain).
 */
export const plainBarScan = (
  at: BarLayout,
  width: number,
  grids: { readonly prices: Grid; readonly sizes: Grid },
  instrument: number
): PlainBarScan | undefined => {
  const priceMantissa = Number(grids.prices.increment.mantissa)
  const sizeMantissa = Number(grids.sizes.increment.mantissa)
  if (!Number.isSafeInteger(priceMantissa) || !Number.isSafeInteger(sizeMantissa)) return undefined
  return {
    width,
    ...at,
    priceMantissa,
    priceScale: grids.prices.increment.scale,
    priceRounding: ROUNDING_CODES[grids.prices.rounding],
    sizeMantissa,
    sizeScale: grids.sizes.increment.scale,
    sizeRounding: ROUNDING_CODES[grids.sizes.rounding],
    instrument,
    n: 0,
    ts: EMPTY64,
    instruments: new Uint32Array(0),
    opens: EMPTY64,
    highs: EMPTY64,
    lows: EMPTY64,
    closes: EMPTY64,
    volumes: EMPTY64,
    // A double from the start (NaN until the reader sets it): a field that turned from small integer to double
    // would change the object's shape under the optimized scan.
    lastTs: Number.NaN,
    lastWall: Number.NaN,
    minGap: Number.POSITIVE_INFINITY,
    minGapLine: 0,
    line: 1
  }
}
