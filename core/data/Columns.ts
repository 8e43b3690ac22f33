/**
 * Market data in columns: one typed array per field, one row per event. A million quotes take 44 MB and replay
 * without allocating an object per event. Prices are ticks and sizes lots (exact in a double up to 2^53), times
 * microseconds since the epoch, and `instrument` an index into the run's `InstrumentSpecs.list`.
 *
 * @since 0.1.0
 */

/** Top-of-book quotes. A side with no order has size 0. */
export interface QuoteColumns {
  readonly kind: "quote"
  readonly length: number
  readonly ts: Float64Array
  readonly instrument: Uint32Array
  readonly bidPrice: Float64Array
  readonly bidSize: Float64Array
  readonly askPrice: Float64Array
  readonly askSize: Float64Array
}

/** Trades; `aggressor` is 0 when the venue does not say, 1 for a buyer, 2 for a seller. */
export interface TradeColumns {
  readonly kind: "trade"
  readonly length: number
  readonly ts: Float64Array
  readonly instrument: Uint32Array
  readonly price: Float64Array
  readonly size: Float64Array
  readonly aggressor: Uint8Array
}

/** OHLCV bars; `ts` is the bar's open time, so the bar is complete at `ts + periodUs`. */
export interface BarColumns {
  readonly kind: "bar"
  readonly length: number
  readonly ts: Float64Array
  readonly instrument: Uint32Array
  readonly periodUs: Float64Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
  readonly volume: Float64Array
}

/**
 * Changes to an L2 order book (price levels, not orders), as crypto venues' recorders write them (Tardis.dev's
 * `incremental_book_L2`): each row sets the size of one level of one side. `size` is the level's new total, 0
 * removes it. A row with `snapshot` 1 belongs to a snapshot of the whole book: the first snapshot row after a delta
 * row (or after a snapshot row of another time) of the same instrument starts a new book, both sides emptied; the
 * rows that follow at the same time fill it. Rows of one instrument at one time are one update, applied whole.
 */
export interface BookColumns {
  readonly kind: "book"
  readonly length: number
  readonly ts: Float64Array
  readonly instrument: Uint32Array
  /** `BOOK_BID` or `BOOK_ASK`. */
  readonly side: Uint8Array
  readonly price: Float64Array
  /** The level's size after the change; 0 removes the level. */
  readonly size: Float64Array
  /** 1 for a row of a snapshot, 0 for a delta. */
  readonly snapshot: Uint8Array
}

/** Any one kind of market data in columns. */
export type Columns = QuoteColumns | TradeColumns | BarColumns | BookColumns

/** `TradeColumns.aggressor` codes. */
export const AGGRESSOR_NONE = 0
export const AGGRESSOR_BUY = 1
export const AGGRESSOR_SELL = 2

/** `BookColumns.side` codes. */
export const BOOK_BID = 0
export const BOOK_ASK = 1

const DEFAULT_CAPACITY = 1024

const grow64 = (array: Float64Array, size: number): Float64Array => {
  const next = new Float64Array(size)
  next.set(array)
  return next
}

const grow32 = (array: Uint32Array, size: number): Uint32Array => {
  const next = new Uint32Array(size)
  next.set(array)
  return next
}

const grow8 = (array: Uint8Array, size: number): Uint8Array => {
  const next = new Uint8Array(size)
  next.set(array)
  return next
}

/** Collects quotes row by row, doubling its arrays as needed; `build` hands out views of them. */
export class QuoteBuilder {
  private n = 0
  private ts: Float64Array
  private instrument: Uint32Array
  private bidPrice: Float64Array
  private bidSize: Float64Array
  private askPrice: Float64Array
  private askSize: Float64Array

  constructor(capacity: number = DEFAULT_CAPACITY) {
    const size = Math.max(1, capacity)
    this.ts = new Float64Array(size)
    this.instrument = new Uint32Array(size)
    this.bidPrice = new Float64Array(size)
    this.bidSize = new Float64Array(size)
    this.askPrice = new Float64Array(size)
    this.askSize = new Float64Array(size)
  }

  /** Rows added so far. */
  get length(): number {
    return this.n
  }

  add(ts: number, instrument: number, bidPrice: number, bidSize: number, askPrice: number, askSize: number): void {
    if (this.n === this.ts.length) {
      const size = this.n * 2
      this.ts = grow64(this.ts, size)
      this.instrument = grow32(this.instrument, size)
      this.bidPrice = grow64(this.bidPrice, size)
      this.bidSize = grow64(this.bidSize, size)
      this.askPrice = grow64(this.askPrice, size)
      this.askSize = grow64(this.askSize, size)
    }
    const i = this.n++
    this.ts[i] = ts
    this.instrument[i] = instrument
    this.bidPrice[i] = bidPrice
    this.bidSize[i] = bidSize
    this.askPrice[i] = askPrice
    this.askSize[i] = askSize
  }

  /**
   * The rows so far, as views of the builder's arrays: no copy, and capacity never written stays unbacked by
   * memory. A later \`add\` writes past the views, so what was built never changes.
   */
  build(): QuoteColumns {
    const n = this.n
    return {
      kind: "quote",
      length: n,
      ts: this.ts.subarray(0, n),
      instrument: this.instrument.subarray(0, n),
      bidPrice: this.bidPrice.subarray(0, n),
      bidSize: this.bidSize.subarray(0, n),
      askPrice: this.askPrice.subarray(0, n),
      askSize: this.askSize.subarray(0, n)
    }
  }
}

/** Collects trades row by row, doubling its arrays as needed; `build` hands out views of them. */
export class TradeBuilder {
  private n = 0
  private ts: Float64Array
  private instrument: Uint32Array
  private price: Float64Array
  private size: Float64Array
  private aggressor: Uint8Array

  constructor(capacity: number = DEFAULT_CAPACITY) {
    const size = Math.max(1, capacity)
    this.ts = new Float64Array(size)
    this.instrument = new Uint32Array(size)
    this.price = new Float64Array(size)
    this.size = new Float64Array(size)
    this.aggressor = new Uint8Array(size)
  }

  /** Rows added so far. */
  get length(): number {
    return this.n
  }

  /** `aggressor` is one of `AGGRESSOR_NONE`, `AGGRESSOR_BUY`, `AGGRESSOR_SELL`. */
  add(ts: number, instrument: number, price: number, size: number, aggressor: number): void {
    if (this.n === this.ts.length) {
      const capacity = this.n * 2
      this.ts = grow64(this.ts, capacity)
      this.instrument = grow32(this.instrument, capacity)
      this.price = grow64(this.price, capacity)
      this.size = grow64(this.size, capacity)
      this.aggressor = grow8(this.aggressor, capacity)
    }
    const i = this.n++
    this.ts[i] = ts
    this.instrument[i] = instrument
    this.price[i] = price
    this.size[i] = size
    this.aggressor[i] = aggressor
  }

  /**
   * The rows so far, as views of the builder's arrays: no copy, and capacity never written stays unbacked by
   * memory. A later \`add\` writes past the views, so what was built never changes.
   */
  build(): TradeColumns {
    const n = this.n
    return {
      kind: "trade",
      length: n,
      ts: this.ts.subarray(0, n),
      instrument: this.instrument.subarray(0, n),
      price: this.price.subarray(0, n),
      size: this.size.subarray(0, n),
      aggressor: this.aggressor.subarray(0, n)
    }
  }
}

/** The arrays a `BarBuilder` writes rows into, each of the same capacity. */
export interface BarArrays {
  readonly ts: Float64Array
  readonly instrument: Uint32Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
  readonly volume: Float64Array
}

/** Collects bars row by row, doubling its arrays as needed; `build` hands out views of them. */
export class BarBuilder {
  private n = 0
  private ts: Float64Array
  private instrument: Uint32Array
  private periodUs: Float64Array
  private open: Float64Array
  private high: Float64Array
  private low: Float64Array
  private close: Float64Array
  private volume: Float64Array

  constructor(capacity: number = DEFAULT_CAPACITY) {
    const size = Math.max(1, capacity)
    this.ts = new Float64Array(size)
    this.instrument = new Uint32Array(size)
    this.periodUs = new Float64Array(size)
    this.open = new Float64Array(size)
    this.high = new Float64Array(size)
    this.low = new Float64Array(size)
    this.close = new Float64Array(size)
    this.volume = new Float64Array(size)
  }

  /** Rows added so far. */
  get length(): number {
    return this.n
  }

  add(
    ts: number,
    instrument: number,
    periodUs: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number
  ): void {
    if (this.n === this.ts.length) this.reserve(1)
    const i = this.n++
    this.ts[i] = ts
    this.instrument[i] = instrument
    this.periodUs[i] = periodUs
    this.open[i] = open
    this.high[i] = high
    this.low[i] = low
    this.close[i] = close
    this.volume[i] = volume
  }

  /**
   * The arrays, with room for `rows` rows past `length`: for a reader that writes rows straight into them (all
   * but `periodUs`, which `build`'s caller fills), then sets `length`.
   */
  room(rows: number): BarArrays {
    if (this.n + rows > this.ts.length) this.reserve(rows)
    const { ts, instrument, open, high, low, close, volume } = this
    return { ts, instrument, open, high, low, close, volume }
  }

  /** After writing rows into `room`'s arrays: how many rows there are now. */
  set length(n: number) {
    this.n = n
  }

  /** Grows the arrays to hold `rows` rows past `length`, at least doubling them (amortized O(1) per row). */
  private reserve(rows: number): void {
    const size = Math.max(this.n + rows, this.n * 2)
    this.ts = grow64(this.ts, size)
    this.instrument = grow32(this.instrument, size)
    this.periodUs = grow64(this.periodUs, size)
    this.open = grow64(this.open, size)
    this.high = grow64(this.high, size)
    this.low = grow64(this.low, size)
    this.close = grow64(this.close, size)
    this.volume = grow64(this.volume, size)
  }

  /**
   * The rows so far, as views of the builder's arrays: no copy, and capacity never written stays unbacked by
   * memory. A later \`add\` writes past the views, so what was built never changes.
   */
  build(): BarColumns {
    const n = this.n
    return {
      kind: "bar",
      length: n,
      ts: this.ts.subarray(0, n),
      instrument: this.instrument.subarray(0, n),
      periodUs: this.periodUs.subarray(0, n),
      open: this.open.subarray(0, n),
      high: this.high.subarray(0, n),
      low: this.low.subarray(0, n),
      close: this.close.subarray(0, n),
      volume: this.volume.subarray(0, n)
    }
  }
}

/** Collects L2 book rows, doubling its arrays as needed; `build` hands out views of them. */
export class BookBuilder {
  private n = 0
  private ts: Float64Array
  private instrument: Uint32Array
  private side: Uint8Array
  private price: Float64Array
  private size: Float64Array
  private snapshot: Uint8Array

  constructor(capacity: number = DEFAULT_CAPACITY) {
    const size = Math.max(1, capacity)
    this.ts = new Float64Array(size)
    this.instrument = new Uint32Array(size)
    this.side = new Uint8Array(size)
    this.price = new Float64Array(size)
    this.size = new Float64Array(size)
    this.snapshot = new Uint8Array(size)
  }

  /** Rows added so far. */
  get length(): number {
    return this.n
  }

  /** `side` is `BOOK_BID` or `BOOK_ASK`; `snapshot` 1 for a snapshot row, 0 for a delta. */
  add(ts: number, instrument: number, side: number, price: number, size: number, snapshot: number): void {
    if (this.n === this.ts.length) {
      const capacity = this.n * 2
      this.ts = grow64(this.ts, capacity)
      this.instrument = grow32(this.instrument, capacity)
      this.side = grow8(this.side, capacity)
      this.price = grow64(this.price, capacity)
      this.size = grow64(this.size, capacity)
      this.snapshot = grow8(this.snapshot, capacity)
    }
    const i = this.n++
    this.ts[i] = ts
    this.instrument[i] = instrument
    this.side[i] = side
    this.price[i] = price
    this.size[i] = size
    this.snapshot[i] = snapshot
  }

  /** The rows so far, as views of the builder's arrays (see `QuoteBuilder.build`). */
  build(): BookColumns {
    const n = this.n
    return {
      kind: "book",
      length: n,
      ts: this.ts.subarray(0, n),
      instrument: this.instrument.subarray(0, n),
      side: this.side.subarray(0, n),
      price: this.price.subarray(0, n),
      size: this.size.subarray(0, n),
      snapshot: this.snapshot.subarray(0, n)
    }
  }
}
