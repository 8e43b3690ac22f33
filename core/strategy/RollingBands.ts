/**
 * Bollinger bands over the last `period` values — the mean ± `deviations` population standard deviations — in O(1)
 * per update from running sums of the values and of their squares. For integer ticks those sums are exact, so they
 * never drift, and the variance `(n·Σx² − (Σx)²) / n²` is computed from exact integers. When a value is not an
 * integer or the sums leave the exact range, the window is summed again around its mean (O(period)), which is what
 * `trading-signals`' BollingerBands does on every update — too slow for a per-tick signal.
 *
 * @since 0.1.0
 */

/** The bands: `middle` is the mean, `upper` and `lower` are `deviations` standard deviations away. */
export interface Bands {
  readonly lower: number
  readonly middle: number
  readonly upper: number
}

export class RollingBands {
  private readonly window: Float64Array
  private next = 0
  private count = 0
  private sum = 0
  private squares = 0
  /** Whether `sum` and `squares` are not exact integers: then they are recomputed at every update. */
  private rounded = false

  constructor(
    readonly period: number,
    readonly deviations: number
  ) {
    if (!Number.isInteger(period) || period < 1) {
      throw new RangeError(`period must be a positive integer, got ${period}`)
    }
    this.window = new Float64Array(period)
  }

  /** Add a value; returns the bands once `period` values have been seen, else `undefined`. */
  update(value: number): Bands | undefined {
    if (this.count === this.period) {
      const dropped = this.window[this.next] as number
      this.sum -= dropped
      this.squares -= dropped * dropped
    } else this.count++
    this.window[this.next] = value
    this.sum += value
    this.squares += value * value
    this.next = this.next + 1 === this.period ? 0 : this.next + 1
    // A fraction or a huge value leaves rounding in the running sums, and subtracting it later would not take the
    // rounding out: while the window holds one, the sums are taken from the window again.
    if (this.rounded || !Number.isSafeInteger(this.sum) || !Number.isSafeInteger(this.squares)) this.resum()
    return this.count === this.period ? this.bands(this.sum, this.squares, -1, 0) : undefined
  }

  /** The bands if `value` were added now, without adding it (a bar still forming); `undefined` until stable. */
  peek(value: number): Bands | undefined {
    if (this.count === this.period) {
      const dropped = this.window[this.next] as number
      return this.bands(this.sum - dropped + value, this.squares - dropped * dropped + value * value, this.next, value)
    }
    if (this.count === this.period - 1) {
      // The window is not full: the slot `next` is empty, and `value` takes it.
      return this.bands(this.sum + value, this.squares + value * value, this.next, value)
    }
    return undefined
  }

  get isStable(): boolean {
    return this.count === this.period
  }

  /** The bands of the window, with `replaced` (−1 for none) holding `value` instead of what it holds. */
  private bands(sum: number, squares: number, replaced: number, value: number): Bands {
    const n = this.period
    const spread = n * squares - sum * sum
    const exact =
      !this.rounded &&
      spread >= 0 &&
      Number.isSafeInteger(sum) &&
      Number.isSafeInteger(n * squares) &&
      Number.isSafeInteger(sum * sum) &&
      Number.isSafeInteger(spread)
    const middle = exact ? sum / n : this.mean(replaced, value)
    const deviation = exact ? Math.sqrt(spread) / n : this.deviation(middle, replaced, value)
    return { lower: middle - deviation * this.deviations, middle, upper: middle + deviation * this.deviations }
  }

  private resum(): void {
    let sum = 0
    let squares = 0
    for (let k = 0; k < this.count; k++) {
      const v = this.window[k] as number
      sum += v
      squares += v * v
    }
    this.sum = sum
    this.squares = squares
    this.rounded = !Number.isSafeInteger(sum) || !Number.isSafeInteger(squares)
  }

  private at(k: number, replaced: number, value: number): number {
    return k === replaced ? value : (this.window[k] as number)
  }

  private mean(replaced: number, value: number): number {
    let total = 0
    for (let k = 0; k < this.period; k++) total += this.at(k, replaced, value)
    return total / this.period
  }

  private deviation(middle: number, replaced: number, value: number): number {
    let total = 0
    for (let k = 0; k < this.period; k++) total += (this.at(k, replaced, value) - middle) ** 2
    return Math.sqrt(total / this.period)
  }
}
