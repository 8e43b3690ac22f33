/**
 * Where the market maker quotes: prices in ticks and sizes in lots for both sides, from the best bid and ask and
 * the inventory. Pure arithmetic, written into a caller-owned object so the quote path allocates nothing.
 *
 * @since 0.1.0
 */

/** How the quotes are placed. */
export interface QuoteRules {
  /** `mid`: `spreadTicks` either side of the mid price; `join`: at the best bid and ask. */
  readonly anchor: "mid" | "join"
  readonly spreadTicks: number
  /** Lots per quote. */
  readonly size: number
  /** Ticks both quotes move against the inventory per `size` lots held. */
  readonly skewTicks: number
  /** The largest position, long or short, the quotes may lead to. */
  readonly maxInventory: number
}

/** Target quotes; a size of 0 means that side is not quoted. */
export interface QuoteTarget {
  bidPrice: number
  bidSize: number
  askPrice: number
  askSize: number
}

/**
 * Quote around the (skewed) anchor. A long inventory lowers both prices, a short one raises them, so the side that
 * reduces the inventory is the more aggressive. Prices round away from the anchor and never cross the opposite best
 * price, so post-only orders rest. Sizes are cut so that a full fill keeps |position| ≤ `maxInventory`.
 */
export const quotePrices = (
  out: QuoteTarget,
  rules: QuoteRules,
  bestBid: number,
  bestAsk: number,
  inventory: number
): QuoteTarget => {
  const shift = (rules.skewTicks * inventory) / rules.size
  const mid = (bestBid + bestAsk) / 2
  const bidAnchor = rules.anchor === "join" ? bestBid : mid - rules.spreadTicks
  const askAnchor = rules.anchor === "join" ? bestAsk : mid + rules.spreadTicks
  out.bidPrice = Math.min(Math.floor(bidAnchor - shift), bestAsk - 1)
  out.askPrice = Math.max(Math.ceil(askAnchor - shift), bestBid + 1)
  out.bidSize = Math.max(0, Math.min(rules.size, rules.maxInventory - inventory))
  out.askSize = Math.max(0, Math.min(rules.size, rules.maxInventory + inventory))
  return out
}
