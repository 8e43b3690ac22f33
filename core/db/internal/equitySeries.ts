/**
 * The compact binary form of an equity curve, stored in `backtest_results.equity` and in inbox files.
 *
 * Layout: a version byte (1), the sample count as an unsigned LEB128 varint, then every timestamp as the zigzag
 * varint of its delta of deltas (regular bars cost one byte each), then every equity as the zigzag varint of its
 * delta from the previous one (the first from 0). Drawdown is not stored: it follows from the running peak.
 * Values are exact integers within ±(2^53 − 1); a delta beyond that range takes a slower BigInt path.
 *
 * The deflated form (`compactEquity`): a version byte (2), then what follows version 1's byte, deflated (raw). A
 * long curve is mostly zero bytes (regular bars, flat periods): a 50,000-minute-bar curve of 124 kB deflates to
 * 26 kB, and the embedded database's work to store it is mostly per byte received.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib"
import { drawdownFromPeak, type EquityCurve } from "../../report/Report"

const VERSION = 1
const DEFLATED = 2
const MAX = Number.MAX_SAFE_INTEGER
const BIG_MAX = BigInt(MAX)
/** Longest varint written: the zigzag of a delta of deltas of safe integers is below 2^56, 8 groups of 7 bits. */
const MAX_VARINT = 9

/** Appends the unsigned varint of `v` (a safe integer ≥ 0) at `pos`; returns the position after it. */
const putUnsigned = (buf: Uint8Array, pos: number, v: number): number => {
  while (v >= 0x80) {
    buf[pos++] = (v % 0x80) | 0x80
    v = Math.floor(v / 0x80)
  }
  buf[pos++] = v
  return pos
}

/**
 * Appends the zigzag varint of `n` (the sign in the lowest bit, |n| or |n| − 1 above it); `n` is a safe integer,
 * or a bigint for a delta between far-apart safe integers. Returns the position after it.
 */
const putSigned = (buf: Uint8Array, pos: number, n: number | bigint): number => {
  if (typeof n === "bigint") {
    let z = n < 0n ? (-n << 1n) - 1n : n << 1n
    while (z >= 0x80n) {
      buf[pos++] = Number(z & 0x7fn) | 0x80
      z >>= 7n
    }
    buf[pos++] = Number(z)
    return pos
  }
  const negative = n < 0
  const m = negative ? -n - 1 : n
  if (m < 0x40000000) {
    let z = (m << 1) | (negative ? 1 : 0)
    while (z >= 0x80) {
      buf[pos++] = (z & 0x7f) | 0x80
      z >>>= 7
    }
    buf[pos++] = z
    return pos
  }
  // Beyond int32: the first group holds 6 bits of m and the sign, the rest is m / 64 unsigned.
  buf[pos++] = ((m % 0x40) << 1) | (negative ? 1 : 0) | 0x80
  return putUnsigned(buf, pos, Math.floor(m / 0x40))
}

const notSafe = (column: string, i: number, v: number) =>
  new RangeError(
    `equity curve: ${column}[${i}] = ${v} is not a safe integer (exact integers within ±(2^53 − 1) are stored)`
  )

/** `a − b` exactly: a number when safe, else a bigint (differences of safe integers stay below 2^54). */
const minus = (a: number, b: number): number | bigint => {
  const d = a - b
  // Exact whenever it stays in the safe range; beyond it, rounded, so redone in BigInt.
  return Math.abs(d) <= MAX ? d : BigInt(a) - BigInt(b)
}

/**
 * The bytes of a curve's timestamps and equity. Throws a `RangeError` naming the first sample that is not a safe
 * integer, or when the columns differ in length.
 */
export const encodeEquity = (curve: {
  readonly ts: ArrayLike<number>
  readonly equity: ArrayLike<number>
}): Uint8Array => {
  const { ts, equity } = curve
  const n = ts.length
  if (equity.length !== n) throw new RangeError(`equity curve: ${n} timestamps but ${equity.length} equity values`)
  // Worst case, so the loops need no bounds checks. The pages past the used part are never touched, so they take no
  // memory: the result is a view of the buffer rather than a copy.
  const buf = new Uint8Array(1 + MAX_VARINT + 2 * n * MAX_VARINT)
  buf[0] = VERSION
  let pos = putUnsigned(buf, 1, n)
  let p1 = 0
  let p2 = 0
  for (let i = 0; i < n; i++) {
    const t = ts[i]!
    if (!Number.isSafeInteger(t)) throw notSafe("ts", i, t)
    const d1 = t - p1
    const d0 = p1 - p2
    const dod = d1 - d0
    // Exact whenever each step stays in the safe range; beyond it, redone in BigInt.
    if (Math.abs(d1) <= MAX && Math.abs(d0) <= MAX && Math.abs(dod) <= MAX) pos = putSigned(buf, pos, dod)
    else pos = putSigned(buf, pos, BigInt(t) - 2n * BigInt(p1) + BigInt(p2))
    p2 = p1
    p1 = t
  }
  let prev = 0
  for (let i = 0; i < n; i++) {
    const e = equity[i]!
    if (!Number.isSafeInteger(e)) throw notSafe("equity", i, e)
    pos = putSigned(buf, pos, minus(e, prev))
    prev = e
  }
  return buf.subarray(0, pos)
}

/** Reads varints from the bytes, refusing to run past their end. */
class Reader {
  pos = 0
  /** The last `signed()` value when it is beyond the safe range (`signed()` then returns NaN). */
  big = 0n
  constructor(readonly bytes: Uint8Array) {}

  private truncated(): never {
    throw new RangeError(`equity curve: truncated at byte ${this.pos} of ${this.bytes.length}`)
  }

  unsigned(): number {
    let v = 0
    for (let scale = 1; scale < 2 ** 49; scale *= 0x80) {
      if (this.pos >= this.bytes.length) this.truncated()
      const b = this.bytes[this.pos++]!
      v += (b & 0x7f) * scale
      if (b < 0x80) return v
    }
    throw new RangeError(`equity curve: varint too long at byte ${this.pos}`)
  }

  /** A zigzag varint as a safe integer, or NaN with the value in `big`. */
  signed(): number {
    const bytes = this.bytes
    const start = this.pos
    let pos = start
    // Up to four groups (28 bits) in int32 arithmetic: the usual case.
    let z = 0
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= bytes.length) this.truncated()
      const b = bytes[pos++]!
      z |= (b & 0x7f) << shift
      if (b < 0x80) {
        this.pos = pos
        return (z >>> 1) ^ -(z & 1)
      }
    }
    // Up to seven groups (49 bits) in double arithmetic, exact below 2^53.
    let v = z
    for (let scale = 2 ** 28; scale < 2 ** 49; scale *= 0x80) {
      if (pos >= bytes.length) this.truncated()
      const b = bytes[pos++]!
      v += (b & 0x7f) * scale
      if (b < 0x80) {
        this.pos = pos
        return v % 2 === 1 ? -(v - 1) / 2 - 1 : v / 2
      }
    }
    let big = 0n
    pos = start
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= bytes.length) this.truncated()
      if (shift > 63n) throw new RangeError(`equity curve: varint too long at byte ${start}`)
      const b = bytes[pos++]!
      big |= BigInt(b & 0x7f) << shift
      if (b < 0x80) break
    }
    this.pos = pos
    return this.safe(big & 1n ? -(big >> 1n) - 1n : big >> 1n)
  }

  /** `n` as a number when safe, else NaN with `n` in `big`. */
  safe(n: bigint): number {
    if (n >= -BIG_MAX && n <= BIG_MAX) return Number(n)
    this.big = n
    return Number.NaN
  }

  /** The exact value of a number `signed()` or `safe()` returned. */
  exact(v: number): bigint {
    return Number.isNaN(v) ? this.big : BigInt(v)
  }
}

const corrupt = (column: string, i: number) =>
  new RangeError(`equity curve: ${column}[${i}] decodes beyond the safe integer range (corrupt data)`)

/** An empty curve: older runs stored no binary curve. */
export const emptyCurve = (): EquityCurve => ({
  ts: new Float64Array(0),
  equity: new Float64Array(0),
  drawdownPct: new Float64Array(0)
})

/**
 * The deflated form of a curve's bytes (version 2): smaller to send and to store, for about 2 ms of CPU per
 * 100 kB where it is made (level 1: the higher levels gain a percent for twice the time).
 */
export const compactEquity = (bytes: Uint8Array): Uint8Array => {
  if (bytes[0] !== VERSION) return bytes
  const deflated = deflateRawSync(bytes.subarray(1), { level: 1 })
  const out = new Uint8Array(1 + deflated.length)
  out[0] = DEFLATED
  out.set(deflated, 1)
  return out
}

/** Version 1's bytes of a curve in either form. */
const inflated = (bytes: Uint8Array): Uint8Array => {
  if (bytes[0] !== DEFLATED) return bytes
  let body: Uint8Array
  try {
    body = inflateRawSync(bytes.subarray(1))
  } catch (e) {
    throw new RangeError(`equity curve: the deflated samples are corrupt (${e instanceof Error ? e.message : e})`)
  }
  const out = new Uint8Array(1 + body.length)
  out[0] = VERSION
  out.set(body, 1)
  return out
}

/** Reads the bytes through, into the curve's columns when `keep` (else into nothing: a check). */
const scan = (stored: Uint8Array, keep: boolean): EquityCurve => {
  if (stored.length === 0) throw new RangeError("equity curve: no bytes")
  const bytes = inflated(stored)
  if (bytes[0] !== VERSION) throw new RangeError(`equity curve: unknown version ${bytes[0]}`)
  const r = new Reader(bytes)
  r.pos = 1
  const n = r.unsigned()
  // Every sample takes at least two bytes: refuse a count the bytes cannot hold before allocating for it.
  if (n * 2 > bytes.length - r.pos) throw new RangeError(`equity curve: ${n} samples cannot fit ${bytes.length} bytes`)
  const size = keep ? n : 0
  const ts = new Float64Array(size)
  const equity = new Float64Array(size)
  const drawdownPct = new Float64Array(size)
  // `delta` is NaN while the delta between two samples is beyond the safe range; `bigDelta` then holds it.
  let t = 0
  let delta = 0
  let bigDelta = 0n
  for (let i = 0; i < n; i++) {
    const dod = r.signed()
    let next = delta + dod
    if (!(Math.abs(next) <= MAX)) {
      const exact = (Number.isNaN(delta) ? bigDelta : BigInt(delta)) + r.exact(dod)
      next = r.safe(exact)
      bigDelta = exact
    }
    let sample = t + next
    if (!(Math.abs(sample) <= MAX)) {
      sample = r.safe(BigInt(t) + (Number.isNaN(next) ? bigDelta : BigInt(next)))
      if (Number.isNaN(sample)) throw corrupt("ts", i)
    }
    if (keep) ts[i] = sample
    t = sample
    delta = next
  }
  let e = 0
  let peak = Number.NEGATIVE_INFINITY
  for (let i = 0; i < n; i++) {
    const d = r.signed()
    let sample = e + d
    if (!(Math.abs(sample) <= MAX)) {
      sample = r.safe(BigInt(e) + r.exact(d))
      if (Number.isNaN(sample)) throw corrupt("equity", i)
    }
    e = sample
    if (keep) {
      equity[i] = e
      if (e > peak) peak = e
      drawdownPct[i] = drawdownFromPeak(peak, e)
    }
  }
  if (r.pos !== bytes.length) throw new RangeError(`equity curve: ${bytes.length - r.pos} bytes after the samples`)
  return { ts, equity, drawdownPct }
}

/**
 * The curve back from its bytes, drawdown recomputed from the running peak as the report computes it. Throws a
 * `RangeError` for an unknown version, truncated or trailing bytes, or values outside the safe integer range.
 */
export const decodeEquity = (bytes: Uint8Array): EquityCurve => scan(bytes, true)

/** Throws the `RangeError` that `decodeEquity` would, without keeping the samples. */
export const checkEquity = (bytes: Uint8Array): void => {
  scan(bytes, false)
}
