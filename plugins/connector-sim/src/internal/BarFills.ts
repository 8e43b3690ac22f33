/**
 * The fills a bar makes, held until they are reported in the order the bar's path reaches them: parallel arrays the
 * venue reuses bar after bar, so that a fill costs no object of its own and a bar with none costs nothing.
 *
 * @since 0.1.0
 */
import type { WorkingOrder } from "./WorkingOrder"

export class BarFills {
  readonly orders: Array<WorkingOrder> = []
  /** Where on the bar's path each fill happens (0 open, 1 and 2 the extremes, 3 close; -1 a previous bar's close). */
  readonly steps: Array<number> = []
  readonly prices: Array<number> = []
  readonly liquidity: Array<"maker" | "taker"> = []
  /** The fills of the current bar: entries from here on are stale. */
  length = 0

  /** Start a new bar. Stale entries stay until overwritten: truncating the arrays is a runtime call per bar. */
  clear(): void {
    this.length = 0
  }

  add(order: WorkingOrder, step: number, price: number, liquidity: "maker" | "taker"): void {
    const i = this.length++
    this.orders[i] = order
    this.steps[i] = step
    this.prices[i] = price
    this.liquidity[i] = liquidity
  }

  /** Sort by step, keeping arrival order within a step: an insertion sort, a bar holds a handful. */
  sortBySteps(): void {
    const { orders, steps, prices, liquidity } = this
    for (let i = 1; i < this.length; i++) {
      const order = orders[i]!
      const step = steps[i]!
      const price = prices[i]!
      const how = liquidity[i]!
      let j = i - 1
      for (; j >= 0 && steps[j]! > step; j--) {
        orders[j + 1] = orders[j]!
        steps[j + 1] = steps[j]!
        prices[j + 1] = prices[j]!
        liquidity[j + 1] = liquidity[j]!
      }
      orders[j + 1] = order
      steps[j + 1] = step
      prices[j + 1] = price
      liquidity[j + 1] = how
    }
  }
}
