/** A typed array a series is stored in: `Float64Array` for numbers, `Uint8Array` for flags. */
type Storage = Float64Array | Uint8Array

/** An append-only column of numbers that doubles its storage as it grows. */
export class GrowableSeries<A extends Storage = Float64Array> {
  private data: A
  private size = 0

  /** `make` allocates the storage: a series of flags takes one byte a sample, not eight. */
  constructor(
    capacity = 1024,
    private readonly make: (length: number) => A = (length) => new Float64Array(length) as A
  ) {
    this.data = make(capacity)
  }

  get length(): number {
    return this.size
  }

  push(value: number): void {
    if (this.size === this.data.length) {
      const next = this.make(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.size++] = value
  }

  /** Replace the last value (a later sample at the same time). */
  setLast(value: number): void {
    this.data[this.size - 1] = value
  }

  /** The values pushed so far, without a copy: a view that a later `push` may leave behind. */
  values(): A {
    return this.data.subarray(0, this.size) as A
  }
}
