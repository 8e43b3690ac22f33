/**
 * Seeded synthetic market data for benchmarks and tests: random walks in whole ticks, several instruments
 * interleaved in time. The same options give the same arrays on every run and runtime.
 *
 * @since 0.1.0
 */
import { type BarPeriod, periodMicros } from "../domain/MarketData"
import type { BarColumns, QuoteColumns } from "./Columns"
import { mulberry32 } from "./internal/prng"

/** Options of `generateQuotes`; prices in ticks, times in microseconds. */
export interface GenerateQuotesOptions {
  /** Instruments 0 .. instruments - 1 take turns: row `i` is instrument `i % instruments`. */
  readonly instruments: number
  readonly count: number
  readonly seed: number
  readonly startTs: number
  /** Time between consecutive rows (of any instrument). */
  readonly stepUs: number
  /** First bid of every instrument, in ticks (at least 1). */
  readonly startPrice: number
  /** Ask minus bid, in ticks. */
  readonly spreadTicks: number
}

/** Options of `generateBars`; prices in ticks, times in microseconds. */
export interface GenerateBarsOptions {
  /** Instruments 0 .. instruments - 1 take turns: row `i` is instrument `i % instruments`. */
  readonly instruments: number
  readonly count: number
  readonly seed: number
  /** Open time of the first bars; each round of instruments starts one period later. */
  readonly startTs: number
  readonly period: BarPeriod
  /** First open of every instrument, in ticks (at least 1). */
  readonly startPrice: number
  /** Random-walk steps of up to ±2 ticks inside each bar; default 4. */
  readonly stepsPerBar?: number
}

const requireInt = (name: string, value: number, min: number): void => {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be a safe integer of at least ${min}, got ${value}`)
  }
}

/**
 * Seeded random-walk quotes over several instruments, interleaved in time: for benchmarks and tests. Each row
 * moves its instrument's bid by -1, 0 or +1 tick (never below 1), the ask is `spreadTicks` above it, and both
 * sizes are 1 to 128 lots. Invalid options throw a `RangeError`.
 */
export const generateQuotes = (options: GenerateQuotesOptions): QuoteColumns => {
  const { count, instruments, spreadTicks, startPrice, startTs, stepUs } = options
  requireInt("instruments", instruments, 1)
  requireInt("count", count, 0)
  requireInt("startTs", startTs, 0)
  requireInt("stepUs", stepUs, 0)
  requireInt("startPrice", startPrice, 1)
  requireInt("spreadTicks", spreadTicks, 0)
  requireInt("last timestamp", startTs + Math.max(0, count - 1) * stepUs, 0)

  const next = mulberry32(options.seed)
  const bids = new Float64Array(instruments).fill(startPrice)
  const ts = new Float64Array(count)
  const instrument = new Uint32Array(count)
  const bidPrice = new Float64Array(count)
  const bidSize = new Float64Array(count)
  const askPrice = new Float64Array(count)
  const askSize = new Float64Array(count)
  let inst = 0
  for (let i = 0; i < count; i++) {
    const r = next()
    // Two low bits: 0 down, 1 up, 2 and 3 unchanged; the sizes come from higher bits of the same draw.
    const move = r & 3
    let bid = bids[inst]!
    if (move === 0) {
      if (bid > 1) bid--
    } else if (move === 1) {
      bid++
    }
    bids[inst] = bid
    ts[i] = startTs + i * stepUs
    instrument[i] = inst
    bidPrice[i] = bid
    askPrice[i] = bid + spreadTicks
    bidSize[i] = 1 + ((r >>> 2) & 127)
    askSize[i] = 1 + ((r >>> 9) & 127)
    if (++inst === instruments) inst = 0
  }
  return { kind: "quote", length: count, ts, instrument, bidPrice, bidSize, askPrice, askSize }
}

/**
 * Seeded random-walk bars over several instruments: each round of `instruments` bars shares an open time, and
 * each bar opens at its instrument's previous close, walks `stepsPerBar` steps of -2..+2 ticks (never below 1)
 * and closes there, with high and low the extremes of the walk and a volume of 1 to 1,024 lots.
 */
export const generateBars = (options: GenerateBarsOptions): BarColumns => {
  const { count, instruments, startPrice, startTs } = options
  const steps = options.stepsPerBar ?? 4
  const periodUs = periodMicros(options.period)
  requireInt("instruments", instruments, 1)
  requireInt("count", count, 0)
  requireInt("startTs", startTs, 0)
  requireInt("startPrice", startPrice, 1)
  requireInt("stepsPerBar", steps, 1)
  requireInt("last timestamp", startTs + Math.floor(Math.max(0, count - 1) / instruments) * periodUs, 0)

  const next = mulberry32(options.seed)
  const closes = new Float64Array(instruments).fill(startPrice)
  const ts = new Float64Array(count)
  const instrument = new Uint32Array(count)
  const open = new Float64Array(count)
  const high = new Float64Array(count)
  const low = new Float64Array(count)
  const close = new Float64Array(count)
  const volume = new Float64Array(count)
  let inst = 0
  let barTs = startTs
  for (let i = 0; i < count; i++) {
    let price = closes[inst]!
    let hi = price
    let lo = price
    open[i] = price
    for (let s = 0; s < steps; s++) {
      price = Math.max(1, price + (next() % 5) - 2)
      if (price > hi) hi = price
      if (price < lo) lo = price
    }
    closes[inst] = price
    ts[i] = barTs
    instrument[i] = inst
    high[i] = hi
    low[i] = lo
    close[i] = price
    volume[i] = 1 + (next() & 1023)
    if (++inst === instruments) {
      inst = 0
      barTs += periodUs
    }
  }
  const period = new Float64Array(count).fill(periodUs)
  return { kind: "bar", length: count, ts, instrument, periodUs: period, open, high, low, close, volume }
}
