/** An append-only column of numbers that doubles its storage as it grows. */
export class GrowableSeries {
  private data: Float64Array
  private size = 0

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity)
  }

  get length(): number {
    return this.size
  }

  push(value: number): void {
    if (this.size === this.data.length) {
      const next = new Float64Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.size++] = value
  }

  last(): number | undefined {
    return this.size === 0 ? undefined : this.data[this.size - 1]
  }

  /** Replace the last value (a later sample at the same time). */
  setLast(value: number): void {
    this.data[this.size - 1] = value
  }

  /** The values pushed so far, without a copy: a view that a later `push` may leave behind. */
  values(): Float64Array {
    return this.data.subarray(0, this.size)
  }
}
