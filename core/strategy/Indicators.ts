/**
 * Technical indicators for strategies: thin wrappers over `trading-signals` (and the O(1) `RollingMean` and
 * `RollingBands` for the SMA and Bollinger bands) with one shape. `add` feeds a completed sample (a bar's close, or a tick when every tick is a sample);
 * `preview` feeds the latest price of a bar still forming, replacing the previous preview, so the value reads as if
 * the bar closed now; the next `add` replaces the preview with the final value. `value` is the latest result,
 * `isStable` whether the indicator has seen enough samples to be meaningful.
 *
 * @since 0.1.0
 */
import { ATR, EMA, type HighLowCloseVolume, MACD, type MACDResult, RSI, VWAP } from "trading-signals"
import { type Bands, RollingBands } from "./RollingBands"
import { RollingMean } from "./RollingMean"

/** An indicator fed with `I` (a price, or a bar) giving `R`. */
export interface Indicator<R, I = number> {
  readonly value: R | undefined
  readonly isStable: boolean
  /** Feed a completed sample; returns the new value (`undefined` while the indicator warms up). */
  add(input: I): R | undefined
  /** Feed the latest state of the sample still forming; replaces the previous preview. */
  preview(input: I): R | undefined
}

/** The bar fields candle indicators read; `BarEvent` has them. */
export interface Candle {
  readonly high: number
  readonly low: number
  readonly close: number
  readonly volume: number
}

interface Updatable<R, I> {
  update(input: I, replace: boolean): R | null
  readonly isStable: boolean
}

class Wrapped<R, I> implements Indicator<R, I> {
  value: R | undefined = undefined
  private previewing = false

  constructor(
    private readonly inner: Updatable<R, I>,
    private readonly copy: (input: I) => I
  ) {}

  get isStable(): boolean {
    return this.inner.isStable
  }

  add(input: I): R | undefined {
    return this.feed(input, false)
  }

  preview(input: I): R | undefined {
    return this.feed(input, true)
  }

  private feed(input: I, previewing: boolean): R | undefined {
    this.value = this.inner.update(this.copy(input), this.previewing) ?? undefined
    this.previewing = previewing
    return this.value
  }
}

const same = <I>(input: I): I => input
// The library keeps the last candle it was given (to replace it later): hand it its own copy, as market data
// events are reused.
const copyCandle = (c: Candle): Candle => ({ high: c.high, low: c.low, close: c.close, volume: c.volume })

/** An O(1) rolling window that can also tell its value with one more sample without taking it. */
interface Peekable<R> {
  update(price: number): R | undefined
  peek(price: number): R | undefined
  readonly isStable: boolean
}

class Rolling<R> implements Indicator<R> {
  value: R | undefined = undefined

  constructor(private readonly window: Peekable<R>) {}

  get isStable(): boolean {
    return this.window.isStable
  }

  add(price: number): R | undefined {
    this.value = this.window.update(price)
    return this.value
  }

  preview(price: number): R | undefined {
    this.value = this.window.peek(price)
    return this.value
  }
}

/** Simple moving average of the last `period` samples, O(1) per sample. */
export const sma = (period: number): Indicator<number> => new Rolling(new RollingMean(period))

/** Exponential moving average with smoothing 2 / (period + 1). */
export const ema = (period: number): Indicator<number> => new Wrapped(new EMA(period), same)

/** Wilder's relative strength index, 0-100. */
export const rsi = (period: number): Indicator<number> => new Wrapped(new RSI(period), same)

/** MACD line (fast EMA − slow EMA), its signal EMA and the histogram. */
export const macd = (fast: number, slow: number, signal: number): Indicator<MACDResult> =>
  new Wrapped(new MACD(new EMA(fast), new EMA(slow), new EMA(signal)), same)

/** Bollinger bands: the SMA of `period` samples ± `deviations` population standard deviations, O(1) per sample. */
export const bollinger = (period: number, deviations = 2): Indicator<Bands> =>
  new Rolling(new RollingBands(period, deviations))

/** Average true range over `period` bars (Wilder's smoothing). */
export const atr = (period: number): Indicator<number, Candle> => new Wrapped(new ATR(period), copyCandle)

/** Volume-weighted average of the typical price (high + low + close) / 3 since the indicator was created. */
export const vwap = (): Indicator<number, Candle> =>
  new Wrapped<number, HighLowCloseVolume<number>>(new VWAP(), copyCandle)
