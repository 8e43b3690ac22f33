/**
 * An L2 order book of one instrument as its feed describes it: price levels in typed arrays, updated in place. It
 * is the `BookEvent` a strategy's `onBook` handler receives: one object per instrument for the whole run, so an
 * update allocates nothing once the arrays have grown to the book's depth.
 *
 * @since 0.1.0
 */
import type { InstrumentId } from "../domain/Ids"
import type { BookColumns } from "./Columns"

const INITIAL_DEPTH = 64

/**
 * One side's levels, best last: bids ascending and asks descending, so that the changes a feed makes most often,
 * at the top of the book, move no other level.
 */
class Side {
  prices: Float64Array = new Float64Array(INITIAL_DEPTH)
  sizes: Float64Array = new Float64Array(INITIAL_DEPTH)
  length = 0

  /** `bids`: the side whose best price is the highest. */
  constructor(private readonly bids: boolean) {}

  /** Where `price` is or would go: the first index whose price is not worse than it. */
  private find(price: number): number {
    const prices = this.prices
    let lo = 0
    let hi = this.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const p = prices[mid]!
      if (this.bids ? p < price : p > price) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  set(price: number, size: number): void {
    const i = this.find(price)
    const n = this.length
    if (i < n && this.prices[i] === price) {
      if (size > 0) {
        this.sizes[i] = size
      } else {
        this.prices.copyWithin(i, i + 1, n)
        this.sizes.copyWithin(i, i + 1, n)
        this.length = n - 1
      }
      return
    }
    if (size <= 0) return
    if (n === this.prices.length) {
      const prices = new Float64Array(n * 2)
      const sizes = new Float64Array(n * 2)
      prices.set(this.prices)
      sizes.set(this.sizes)
      this.prices = prices
      this.sizes = sizes
    }
    this.prices.copyWithin(i + 1, i, n)
    this.sizes.copyWithin(i + 1, i, n)
    this.prices[i] = price
    this.sizes[i] = size
    this.length = n + 1
  }

  price(depth: number): number {
    return depth >= 0 && depth < this.length ? this.prices[this.length - 1 - depth]! : Number.NaN
  }

  size(depth: number): number {
    return depth >= 0 && depth < this.length ? this.sizes[this.length - 1 - depth]! : 0
  }
}

/** The book of one instrument; see `BookEvent` in `core/services/MarketData` for what a handler reads. */
export class OrderBook {
  /** Microseconds since the epoch of the last update applied. */
  ts = 0
  /** Whether the last update started a snapshot (the book was replaced). */
  snapshot = false
  private readonly bids = new Side(true)
  private readonly asks = new Side(false)

  constructor(
    readonly instrumentId: InstrumentId,
    /** Index of the instrument in `MarketData.instruments`. */
    readonly index: number
  ) {}

  /** Levels on the bid side. */
  get bidDepth(): number {
    return this.bids.length
  }

  /** Levels on the ask side. */
  get askDepth(): number {
    return this.asks.length
  }

  /** Price (ticks) of the bid `depth` levels below the best (0: the best bid); NaN past the last level. */
  bidPrice(depth: number): number {
    return this.bids.price(depth)
  }

  /** Size (lots) of the bid `depth` levels below the best; 0 past the last level. */
  bidSize(depth: number): number {
    return this.bids.size(depth)
  }

  /** Price (ticks) of the ask `depth` levels above the best (0: the best ask); NaN past the last level. */
  askPrice(depth: number): number {
    return this.asks.price(depth)
  }

  /** Size (lots) of the ask `depth` levels above the best; 0 past the last level. */
  askSize(depth: number): number {
    return this.asks.size(depth)
  }

  /** Sets the size of a level of `side` (0 bid, 1 ask); size 0 removes it. */
  set(side: number, price: number, size: number): void {
    if (side === 0) this.bids.set(price, size)
    else this.asks.set(price, size)
  }

  /** Empties both sides. */
  clear(): void {
    this.bids.length = 0
    this.asks.length = 0
  }
}

/**
 * Each instrument's book after every row of `book`, by instrument index: the rows applied as a replay applies them (a
 * snapshot row after a delta row, or after a snapshot row of another time, of the same instrument empties the book).
 */
export const finalBooks = (
  book: BookColumns,
  idOf: (index: number) => InstrumentId | undefined
): ReadonlyMap<number, OrderBook> => {
  const books = new Map<number, OrderBook>()
  const snapshotTs = new Map<number, number>()
  for (let r = 0; r < book.length; r++) {
    const index = book.instrument[r]!
    const id = idOf(index)
    if (id === undefined) continue
    let state = books.get(index)
    if (state === undefined) {
      state = new OrderBook(id, index)
      books.set(index, state)
    }
    const ts = book.ts[r]!
    if (book.snapshot[r] === 1) {
      if (snapshotTs.get(index) !== ts) state.clear()
      snapshotTs.set(index, ts)
    } else {
      snapshotTs.delete(index)
    }
    state.set(book.side[r]!, book.price[r]!, book.size[r]!)
    state.ts = ts
  }
  return books
}
