/**
 * The equity curve a replay records, one sample per bar or sampling period: time, equity, exposure and the first
 * instrument's last price, in four typed arrays written together. One class with one shape: the replay's sample
 * stores monomorphically, where four generic series (three of doubles, one of bytes) made each push polymorphic.
 */
export class EquitySeries {
  private tsData: Float64Array
  private equityData: Float64Array
  /** 0 or 1 a sample: a byte each (a million bars: 1 MB of fresh memory, not 8). */
  private exposedData: Uint8Array
  private priceData: Float64Array
  private size = 0

  /** Sized for the samples the data can give, so that a long run never copies its curve to grow it. */
  constructor(capacity: number) {
    this.tsData = new Float64Array(capacity)
    this.equityData = new Float64Array(capacity)
    this.exposedData = new Uint8Array(capacity)
    this.priceData = new Float64Array(capacity)
  }

  push(ts: number, equity: number, exposed: number, price: number): void {
    const i = this.size
    if (i === this.tsData.length) this.grow()
    this.tsData[i] = ts
    this.equityData[i] = equity
    this.exposedData[i] = exposed
    this.priceData[i] = price
    this.size = i + 1
  }

  /** Replace the last sample's values (a later sample at the same time). */
  setLast(equity: number, exposed: number, price: number): void {
    const i = this.size - 1
    this.equityData[i] = equity
    this.exposedData[i] = exposed
    this.priceData[i] = price
  }

  /** The samples so far, without a copy: views that a later `push` may leave behind. */
  get ts(): Float64Array {
    return this.tsData.subarray(0, this.size)
  }

  get equity(): Float64Array {
    return this.equityData.subarray(0, this.size)
  }

  get exposed(): Uint8Array {
    return this.exposedData.subarray(0, this.size)
  }

  get price(): Float64Array {
    return this.priceData.subarray(0, this.size)
  }

  private grow(): void {
    const length = Math.max(16, this.tsData.length * 2)
    this.tsData = widened(this.tsData, new Float64Array(length))
    this.equityData = widened(this.equityData, new Float64Array(length))
    this.exposedData = widened(this.exposedData, new Uint8Array(length))
    this.priceData = widened(this.priceData, new Float64Array(length))
  }
}

/** `next` holding `data` at its start. */
const widened = <A extends Float64Array | Uint8Array>(data: A, next: A): A => {
  next.set(data)
  return next
}
