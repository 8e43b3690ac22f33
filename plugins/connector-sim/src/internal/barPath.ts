/**
 * Matching of one working order against an OHLC bar. A bar only says which prices traded, not in which order, so
 * the order walks a path open → extreme → extreme → close, and the path is chosen to hurt it: the extreme that is
 * adverse to the order comes first.
 *
 * @since 0.1.0
 */
import {
  acceptsPrice,
  isTouch,
  isTrailingOrder,
  trail,
  trigger,
  triggerHit,
  triggerSide,
  type WorkingOrder,
  waitsOnTrigger
} from "./WorkingOrder"

/** Where on the bar's path the order filled (0 open, 1 and 2 the extremes, 3 close), at which price and how. */
export interface BarFill {
  readonly step: number
  readonly price: number
  readonly liquidity: "maker" | "taker"
}

/**
 * Sells (the exits of a long) see the low first and buys the high first, so a stop-loss and a take-profit both
 * within the bar resolve to the stop, and an if-touched order (a buy waits for the price to fall) sees the extreme
 * away from its trigger first. A stop-limit sees the extreme at its limit before the one at its stop, so it triggers
 * too late to fill unless the close comes back through its limit.
 */
const lowFirst = (o: WorkingOrder): boolean => !o.buy !== (o.kind === "stop-limit")

/** Walks `o` through the bar, updating its trigger state; the first fill, or `undefined` when it did not fill. */
export const walkBar = (
  o: WorkingOrder,
  open: number,
  high: number,
  low: number,
  close: number
): BarFill | undefined => {
  if (isTrailingOrder(o)) trail(o, open)
  // A gap through the trigger triggers it at the open; a gap through a limit fills at the open, the better price.
  if (waitsOnTrigger(o) && triggerHit(o, open)) trigger(o)
  if (acceptsPrice(o, open)) return { step: 0, price: open, liquidity: o.resting ? "maker" : "taker" }
  const down = lowFirst(o)
  for (let step = 1; step <= 3; step++) {
    const from = step === 1 ? open : step === 2 ? (down ? low : high) : down ? high : low
    const to = step === 1 ? (down ? low : high) : step === 2 ? (down ? high : low) : close
    const top = Math.max(from, to)
    const bottom = Math.min(from, to)
    if (isTrailingOrder(o) && (o.buy ? to < from : to > from)) {
      // A favourable leg only moves the stop along; it cannot trigger it.
      trail(o, to)
      continue
    }
    if (waitsOnTrigger(o)) {
      if (!triggerHit(o, triggerSide(o, top, bottom))) continue
      const at = o.stop!
      const touch = isTouch(o)
      trigger(o)
      // The leg crosses the trigger exactly there: the released order trades at it if its limit allows.
      if (acceptsPrice(o, at)) return { step, price: at, liquidity: "taker" }
      // A limit-if-touched order's leg runs on towards its limit: it fills there if the leg reaches it.
      if (touch && acceptsPrice(o, to)) return { step, price: o.limit!, liquidity: "maker" }
      // A stop-limit triggered beyond its limit: the rest of this leg moves away from the limit.
      continue
    }
    if (o.kind === "limit" && acceptsPrice(o, o.buy ? bottom : top))
      return { step, price: o.limit!, liquidity: "maker" }
  }
  return undefined
}
