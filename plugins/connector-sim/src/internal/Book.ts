/**
 * An L2 order book of one instrument as the feed describes it, minus the liquidity simulated orders took since
 * the feed last set a level. Levels are kept best-first: bids descending, asks ascending.
 *
 * @since 0.1.0
 */

/** One price level; `size` is mutable so that simulated fills consume it. */
export interface Level {
  readonly price: number
  size: number
}

const findIndex = (levels: ReadonlyArray<Level>, price: number, descending: boolean): number => {
  let lo = 0
  let hi = levels.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const p = levels[mid]!.price
    if (descending ? p > price : p < price) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Bids (side 0) and asks (side 1). */
export class Book {
  readonly bids: Array<Level> = []
  readonly asks: Array<Level> = []

  levels(side: 0 | 1): Array<Level> {
    return side === 0 ? this.bids : this.asks
  }

  /** Sets a level's size; zero removes it. Returns the size it had. */
  set(side: 0 | 1, price: number, size: number): number {
    const levels = this.levels(side)
    const i = findIndex(levels, price, side === 0)
    const level = levels[i]
    if (level !== undefined && level.price === price) {
      const old = level.size
      if (size > 0) level.size = size
      else levels.splice(i, 1)
      return old
    }
    if (size > 0) levels.splice(i, 0, { price, size })
    return 0
  }

  /** The size at `price`, zero when there is no level. */
  sizeAt(side: 0 | 1, price: number): number {
    const levels = this.levels(side)
    const level = levels[findIndex(levels, price, side === 0)]
    return level !== undefined && level.price === price ? level.size : 0
  }

  clear(): void {
    this.bids.length = 0
    this.asks.length = 0
  }

  /** Whether the book has any level. */
  get isEmpty(): boolean {
    return this.bids.length === 0 && this.asks.length === 0
  }
}
