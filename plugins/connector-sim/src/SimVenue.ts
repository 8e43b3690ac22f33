/**
 * The simulated venue: matches the platform's orders against market data (bars, quotes, trades or an L2 book)
 * with seeded latency, fee and slippage models, and answers with the domain's execution reports. The backtest uses
 * it as its Execution layer; it is a plain state machine driven by one caller.
 *
 * @since 0.1.0
 */
import type { BookColumns } from "@meridian/core/data/Columns"
import type { ExecutionCommand, ExecutionReport } from "@meridian/core/domain/Commands"
import type { TradeId, VenueOrderId } from "@meridian/core/domain/Ids"
import { type InstrumentSpec, type InstrumentSpecs, notional } from "@meridian/core/domain/InstrumentSpec"
import { hasLimitPrice, hasTriggerPrice, isAuction, type Order } from "@meridian/core/domain/Order"
import { mulDivRound } from "@meridian/core/domain/SafeInt"
import { nextUtcMidnight, sessionClose, sessionOpen } from "@meridian/core/domain/Session"
import { lots, MICROS_PER_DAY, minor, type Timestamp, ticks, timestamp } from "@meridian/core/domain/Units"
import { IdTable } from "@meridian/core/engine/accounts/IdTable"
import { BarFills } from "./internal/BarFills"
import { walkBar } from "./internal/barPath"
import { available, BARS, BOOK, bestPrice, type Market, makeMarket, QUOTES, TRADES } from "./internal/Market"
import { OcoGroups } from "./internal/OcoGroups"
import {
  acceptsPrice,
  eventCap,
  isAuctionOrder,
  isLive,
  leaves,
  makeWorkingOrder,
  trail,
  trigger,
  triggerHit,
  type WorkingOrder,
  waitsOnTrigger
} from "./internal/WorkingOrder"
import type { FeeModel } from "./models/Fees"
import type { LatencyModel } from "./models/Latency"
import type { SlippageModel } from "./models/Slippage"
import { makeRng, type Rng } from "./Rng"

/** How the venue is set up. */
export interface SimVenueOptions {
  readonly specs: InstrumentSpecs
  /** When a market order that arrives during a bar fills: at that bar's close, or at the next bar's open. */
  readonly barFill: "next-open" | "close"
  readonly latency: LatencyModel
  readonly fees: FeeModel
  readonly slippage: SlippageModel
  readonly seed: number
  readonly report: (report: ExecutionReport) => void
  /** Fraction of a bar's volume the venue's orders may fill in that bar; no cap when absent. */
  readonly volumeLimit?: number
  /**
   * What the order's account can spend on it now, in minor units of the instrument's currency: the venue's view of
   * the account, as a broker holding it has (the backtest passes the Accounts engine's `funds`). An order with
   * `fundsShare` is sized from it at the fill, and refused by a venue without it.
   */
  readonly funds?: (order: Order) => number
}

/** The close of the session holding `ts`, or of the next one; the next UTC midnight around the clock. */
const closingAuction = (spec: InstrumentSpec, ts: number): number =>
  sessionClose(spec.instrument, ts) ?? nextUtcMidnight(ts)

/** The open of the first session opening at or after `ts`; the first UTC midnight at or after it around the clock. */
const openingAuction = (spec: InstrumentSpec, ts: number): number =>
  sessionOpen(spec.instrument, ts) ?? (ts % MICROS_PER_DAY === 0 ? ts : nextUtcMidnight(ts))

/** Whether rows `from` until `to` of `book` set the level `o` rests at. */
const touchesLevel = (book: BookColumns, from: number, to: number, o: WorkingOrder): boolean => {
  const side = o.buy ? 0 : 1
  for (let r = from; r < to; r++) if (book.price[r] === o.limit && book.side[r] === side) return true
  return false
}

/** The simulated venue. Feed it commands with `execute` and market data in timestamp order. */
export class SimVenue {
  private readonly options: SimVenueOptions
  private readonly markets: Array<Market>
  /**
   * Working orders by order id: an open-addressing table, where a `Map` with an order in and out at every fill
   * rehashed on delete (a tenth of a microsecond an order).
   */
  private readonly orders = new IdTable<WorkingOrder>()
  private readonly groups = new OcoGroups()
  /**
   * Commands in flight, `pendingHead` until `pendingEnd`, and their arrival times, in arrival order: two arrays reused
   * as they empty, so that a command costs no wrapper object and no new backing store.
   */
  private readonly pending: Array<ExecutionCommand | undefined> = []
  private readonly pendingAt: Array<number> = []
  private pendingHead = 0
  private pendingEnd = 0
  /** Commands travel one ordered session: none overtakes an earlier one. */
  private lastArrival = 0
  private nextExpiry = Number.POSITIVE_INFINITY
  private now = 0
  private orderSeq = 0
  private tradeSeq = 0
  private readonly latencyRng: Rng
  private readonly slippageRng: Rng
  private readonly barFills = new BarFills()
  /** `onBook`'s scratch: each working order's level size before the update, -1 for an order not resting. */
  private readonly levelsBefore: Array<number> = []

  constructor(options: SimVenueOptions) {
    this.options = options
    // Separate streams, so that changing the slippage model does not move the latencies.
    this.latencyRng = makeRng(options.seed)
    this.slippageRng = makeRng(options.seed ^ 0x9e3779b9)
    this.markets = options.specs.list.map(makeMarket)
  }

  /** Sends a command; it takes effect at `command.ts` plus the modelled latency. */
  execute(command: ExecutionCommand): void {
    const at = Math.max(command.ts + this.options.latency.delay(this.latencyRng), this.lastArrival)
    this.lastArrival = at
    this.pending[this.pendingEnd] = command
    this.pendingAt[this.pendingEnd] = at
    this.pendingEnd++
  }

  /**
   * Processes arrivals and timers up to `ts`, in time order: expiries (GTD, DAY at the session close) and, outside
   * bar mode, the closing auctions of market-on-close orders.
   */
  advanceTo(ts: number): void {
    const pending = this.pending
    for (;;) {
      const head = this.pendingHead
      const at = head < this.pendingEnd ? this.pendingAt[head]! : Number.POSITIVE_INFINITY
      const arrival = at <= ts ? at : Number.POSITIVE_INFINITY
      const expiry = this.nextExpiry <= ts ? this.nextExpiry : Number.POSITIVE_INFINITY
      if (arrival === Number.POSITIVE_INFINITY && expiry === Number.POSITIVE_INFINITY) break
      if (expiry <= arrival) {
        this.expire(expiry)
      } else {
        const command = pending[head]!
        pending[head] = undefined
        this.pendingHead = head + 1
        this.now = Math.max(this.now, arrival)
        this.arrive(command)
      }
    }
    if (this.pendingHead === this.pendingEnd) this.pendingHead = this.pendingEnd = 0
    if (ts > this.now) this.now = ts
  }

  /** A new top of book. */
  onQuote(index: number, ts: number, bidPrice: number, bidSize: number, askPrice: number, askSize: number): void {
    this.advanceTo(ts)
    const m = this.markets[index]
    if (m === undefined) return
    m.lastEventAt = ts
    m.bid = bidPrice
    m.bidSize = bidSize
    m.ask = askPrice
    m.askSize = askSize
    m.hasBid = bidSize > 0
    m.hasAsk = askSize > 0
    if (m.mode < QUOTES) m.mode = QUOTES
    // With an L2 book the book is the truth; the quote is only its summary.
    if (m.mode !== QUOTES) return
    for (const o of m.working) if (!o.done) this.continuous(m, o)
    this.sweep(m)
  }

  /** A trade printed; `aggressor` is 0 none, 1 buy, 2 sell. */
  onTrade(index: number, ts: number, price: number, size: number, aggressor: 0 | 1 | 2): void {
    this.advanceTo(ts)
    const m = this.markets[index]
    if (m === undefined) return
    m.last = price
    m.lastEventAt = ts
    if (m.mode < TRADES) m.mode = TRADES
    if (m.mode === BARS) return
    let remaining = size
    for (const o of m.working) {
      if (o.done) continue
      if (isAuctionOrder(o)) {
        // The session's first print is its opening price; the closing auction runs on its timer.
        if (o.kind === "market-on-open" && ts >= o.auctionAt) this.auction(o, price, Number.POSITIVE_INFINITY)
        continue
      }
      if (waitsOnTrigger(o)) {
        if (m.mode === TRADES) trail(o, price)
        if (!triggerHit(o, price)) continue
        trigger(o)
      }
      if (!o.resting) {
        if (m.mode !== TRADES) this.engage(m, o)
        else if (isLive(o)) {
          // Without quotes the trade is the only liquidity there is.
          if (remaining > 0 && acceptsPrice(o, price)) {
            const quantity = Math.min(eventCap(o), remaining)
            remaining -= quantity
            this.fill(o, price, quantity, "taker")
          }
          if (!o.done && o.kind === "limit") this.rest(m, o)
        }
        continue
      }
      remaining -= this.tradeAtResting(m, o, price, size, remaining, aggressor)
    }
    this.sweep(m)
  }

  /** A bar; `ts` is its open time and it covers [ts, ts + periodUs). */
  onBar(
    index: number,
    ts: number,
    periodUs: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number
  ): void {
    this.advanceTo(ts)
    const m = this.markets[index]
    if (m === undefined) return
    m.last = close
    m.lastEventAt = ts
    if (m.mode < BARS) m.mode = BARS
    const end = ts + periodUs
    const limit = this.options.volumeLimit
    let capacity = limit === undefined ? Number.POSITIVE_INFINITY : Math.floor(volume * limit)
    if (m.mode === BARS) {
      const fills = this.barFills
      fills.clear()
      for (const o of m.working) {
        if (o.done) continue
        if (o.kind === "market-on-open") {
          // The first bar opening at or after its arrival that reaches the session open: its open is the auction's.
          if (ts >= o.arrivedAt && end > o.auctionAt) fills.add(o, 0, open, "taker")
          continue
        }
        if (o.kind === "market-on-close") {
          this.closeOnBar(m, o, ts, end, close)
          continue
        }
        if (o.kind === "market" || o.kind === "market-to-limit") {
          const atClose = this.options.barFill === "close"
          if (atClose ? end <= o.arrivedAt : ts < o.arrivedAt) continue
          fills.add(o, atClose ? 3 : 0, atClose ? close : open, "taker")
          o.hadBar = true
          continue
        }
        // A bar that opened before the order arrived may have made its extremes before it.
        if (ts < o.arrivedAt) continue
        o.hadBar = true
        const fill = walkBar(o, open, high, low, close)
        if (fill !== undefined) fills.add(o, fill.step, fill.price, fill.liquidity)
        else if (o.kind === "limit") o.resting = true
      }
      // Report in path order: the adverse extreme's fills come first.
      if (fills.length > 1) fills.sortBySteps()
      for (let k = 0; k < fills.length; k++) {
        const order = fills.orders[k]!
        // An OCO leg reached earlier on the path may have canceled this one.
        if (order.done) continue
        const price = fills.prices[k]!
        if (isAuctionOrder(order)) {
          capacity -= this.auction(order, price, capacity)
          continue
        }
        const quantity = Math.min(eventCap(order), capacity)
        if (order.order.timeInForce === "FOK" && quantity < leaves(order)) continue
        if (quantity > 0) {
          capacity -= quantity
          this.fill(order, price, quantity, fills.liquidity[k]!)
        }
      }
      for (const o of m.working) {
        const immediate = o.order.timeInForce === "IOC" || o.order.timeInForce === "FOK"
        if (immediate && o.hadBar) this.cancelImmediate(o)
      }
    }
    m.barEnd = end
    m.barClose = close
    m.barCapacity = capacity
    this.sweep(m)
  }

  /**
   * A market-on-close order and the bar `[ts, end)`: it fills at the close of the bar that holds its session's
   * close. A bar opening after that close means the session's last bar was the previous one: it fills at that close
   * if the bar came after the order; else the session passed without data and the order waits for the next close.
   */
  private closeOnBar(m: Market, o: WorkingOrder, ts: number, end: number, close: number): void {
    if (ts >= o.auctionAt) {
      if (m.barEnd > o.arrivedAt) {
        this.barFills.add(o, -1, m.barClose, "taker")
        return
      }
      o.auctionAt = closingAuction(o.spec, ts)
    }
    if (end >= o.auctionAt) this.barFills.add(o, 3, close, "taker")
  }

  /** An L2 change: `action` 0 set, 1 delete, 2 clear; `side` 0 bid, 1 ask. */
  onBookDelta(index: number, ts: number, action: 0 | 1 | 2, side: 0 | 1, price: number, size: number): void {
    this.advanceTo(ts)
    const m = this.markets[index]
    if (m === undefined) return
    m.lastEventAt = ts
    m.mode = BOOK
    if (action === 2) {
      // Queue positions survive a clear: the snapshot that follows rebuilds the same levels.
      m.book.clear()
      return
    }
    const newSize = action === 0 ? size : 0
    const oldSize = m.book.set(side, price, newSize)
    for (const o of m.working) {
      if (o.done) continue
      if (o.resting && o.limit === price && (o.buy ? 0 : 1) === side) this.requeue(o, oldSize, newSize)
      this.continuous(m, o)
    }
    this.sweep(m)
  }

  /**
   * One L2 update of an instrument (see `BookColumns`): rows `from` until `to` of `book`, all of one instrument at
   * one time, applied whole before any order matches, so that no order sees a half-applied feed message or
   * snapshot. With `reset` the rows are a snapshot that replaces the book. A resting order moves up its level's queue
   * as with `onBookDelta`, from the level's size before the update to its size after.
   */
  onBook(book: BookColumns, from: number, to: number, reset: boolean): void {
    if (from >= to) return
    const ts = book.ts[from]!
    this.advanceTo(ts)
    const m = this.markets[book.instrument[from]!]
    if (m === undefined) return
    m.lastEventAt = ts
    m.mode = BOOK
    const working = m.working
    const before = this.levelsBefore
    before.length = working.length
    for (let k = 0; k < working.length; k++) {
      const o = working[k]!
      before[k] = !o.done && o.resting && o.limit !== undefined ? m.book.sizeAt(o.buy ? 0 : 1, o.limit) : -1
    }
    if (reset) m.book.clear()
    for (let r = from; r < to; r++) m.book.set(book.side[r] === 0 ? 0 : 1, book.price[r]!, book.size[r]!)
    for (let k = 0; k < working.length; k++) {
      const o = working[k]!
      if (o.done) continue
      const old = before[k] ?? -1
      if (old >= 0 && (reset || touchesLevel(book, from, to, o))) {
        this.requeue(o, old, m.book.sizeAt(o.buy ? 0 : 1, o.limit!))
      }
      this.continuous(m, o)
    }
    this.sweep(m)
  }

  // ---- commands ---------------------------------------------------------------------------------------------

  private arrive(command: ExecutionCommand): void {
    switch (command._tag) {
      case "VenueSubmit":
        this.submit(command.order, command.ocoGroup)
        return
      case "VenueCancel": {
        // A cancel for an order that already finished has nothing left to do: its last report said so.
        const o = this.orders.get(command.orderId)
        if (o === undefined) return
        this.canceled(o.order)
        this.finish(o)
        this.sweep(this.marketOf(o))
        return
      }
      case "VenueReplace":
        this.replace(command)
        return
    }
  }

  private submit(order: Order, ocoGroup: string | undefined): void {
    const spec = this.options.specs.byId.get(order.instrumentId)
    if (spec === undefined) {
      this.reject(order, `unknown instrument ${order.instrumentId}`)
      return
    }
    const m = this.markets[spec.index]!
    if (order.postOnly && order.limitPrice !== undefined) {
      const opposite = bestPrice(m, order.side === "buy")
      if (
        opposite !== undefined &&
        (order.side === "buy" ? order.limitPrice >= opposite : order.limitPrice <= opposite)
      ) {
        this.reject(order, "post-only order would take liquidity")
        return
      }
    }
    if (order.expireAt !== undefined && order.expireAt <= this.now) {
      this.reject(order, "expireAt has passed")
      return
    }
    if (order.fundsShare !== undefined && this.options.funds === undefined) {
      this.reject(order, "fundsShare: this venue does not see the account's funds")
      return
    }
    // An auction order's day is its auction: DAY does not expire it at the close of the current session.
    const expiresAt =
      order.timeInForce === "GTD"
        ? (order.expireAt ?? Number.POSITIVE_INFINITY)
        : order.timeInForce === "DAY" && !isAuction(order.type)
          ? closingAuction(spec, this.now)
          : Number.POSITIVE_INFINITY
    const auctionAt =
      order.type === "market-on-open"
        ? openingAuction(spec, this.now)
        : order.type === "market-on-close"
          ? closingAuction(spec, this.now)
          : Number.POSITIVE_INFINITY
    this.emit({
      _tag: "VenueAccepted",
      accountId: order.accountId,
      orderId: order.orderId,
      ts: this.ts(),
      venueOrderId: `SIM-${++this.orderSeq}` as VenueOrderId
    })
    const o = makeWorkingOrder(order, spec, this.now, expiresAt, auctionAt)
    this.orders.set(order.orderId, o)
    m.working.push(o)
    if (ocoGroup !== undefined) this.groups.join(o, ocoGroup)
    if (expiresAt < this.nextExpiry) this.nextExpiry = expiresAt
    if (o.kind === "market-on-close" && auctionAt < this.nextExpiry) this.nextExpiry = auctionAt
    if (m.mode === BARS) this.arriveOnBars(m, o)
    else {
      this.checkTrigger(m, o)
      if (o.order.timeInForce === "FOK" && (waitsOnTrigger(o) || available(m, o) < leaves(o))) this.cancelImmediate(o)
      else this.engage(m, o)
      if (o.order.timeInForce === "IOC" || o.order.timeInForce === "FOK") this.cancelImmediate(o)
    }
    this.sweep(m)
  }

  /**
   * With `barFill: "close"`, a market (or market-to-limit) order arriving inside the last bar fills at its close
   * right away; so does a market-on-close order whose session closes within that bar, whatever `barFill`.
   */
  private arriveOnBars(m: Market, o: WorkingOrder): void {
    if (o.kind === "market-on-close") {
      if (o.arrivedAt < m.barEnd && o.auctionAt <= m.barEnd) m.barCapacity -= this.auction(o, m.barClose, m.barCapacity)
      return
    }
    const market = o.kind === "market" || o.kind === "market-to-limit"
    if (!market || this.options.barFill !== "close" || o.arrivedAt >= m.barEnd) return
    o.hadBar = true
    const quantity = Math.min(eventCap(o), m.barCapacity)
    if (quantity > 0 && !(o.order.timeInForce === "FOK" && quantity < leaves(o))) {
      m.barCapacity -= quantity
      this.fill(o, m.barClose, quantity, "taker")
    }
    if (o.order.timeInForce === "IOC" || o.order.timeInForce === "FOK") this.cancelImmediate(o)
  }

  private replace(command: Extract<ExecutionCommand, { _tag: "VenueReplace" }>): void {
    const o = this.orders.get(command.orderId)
    if (o === undefined) return
    const m = this.marketOf(o)
    if (command.quantity <= o.filled) {
      this.canceled(o.order)
      this.finish(o)
      this.sweep(m)
      return
    }
    // A market-to-limit order has a limit once its first fill set it.
    const hasLimit = hasLimitPrice(o.order.type) || (o.order.type === "market-to-limit" && o.limit !== undefined)
    const newLimit = hasLimit && command.limitPrice !== undefined ? command.limitPrice : o.limit
    // Exchanges keep priority for a smaller quantity only; a new price or a larger quantity queues again.
    const losesPriority = newLimit !== o.limit || command.quantity > o.quantity
    o.limit = newLimit
    if (hasTriggerPrice(o.order.type) && command.stopPrice !== undefined) o.stop = command.stopPrice
    o.quantity = command.quantity
    o.shown = Math.min(o.shown, leaves(o))
    this.emitReplaced(o)
    if (losesPriority) {
      m.working.splice(m.working.indexOf(o), 1)
      m.working.push(o)
      o.arrivedAt = this.now
      o.resting = false
      o.shown = Math.min(o.order.displayQuantity ?? leaves(o), leaves(o))
      if (m.mode !== BARS) {
        this.checkTrigger(m, o)
        this.engage(m, o)
      }
    }
    this.sweep(m)
  }

  // ---- continuous matching (quotes, trades, book) -----------------------------------------------------------

  /** Re-evaluates one order against the current quote or book. */
  private continuous(m: Market, o: WorkingOrder): void {
    if (isAuctionOrder(o)) {
      // With quotes only, the session's first quote opens it: a buy pays the offer, a sell gets the bid.
      if (o.kind === "market-on-open" && m.mode === QUOTES && this.now >= o.auctionAt) {
        const price = bestPrice(m, o.buy)
        if (price !== undefined) this.auction(o, price, Number.POSITIVE_INFINITY)
      }
      return
    }
    this.checkTrigger(m, o)
    if (!o.resting) this.engage(m, o)
    else if (o.kind === "limit") this.crossResting(m, o)
  }

  /**
   * Updates a trailing stop and triggers a stop or an if-touched order from the best price on the side the order
   * trades against: buys watch the offer (a stop rising to it, an if-touched order falling to it), sells the bid.
   */
  private checkTrigger(m: Market, o: WorkingOrder): void {
    if (!waitsOnTrigger(o)) return
    const best = bestPrice(m, o.buy)
    if (best === undefined) return
    trail(o, best)
    if (triggerHit(o, best)) trigger(o)
  }

  /**
   * A market order or a newly arrived (or triggered) limit takes liquidity; an unfilled limit then rests. A
   * market-to-limit order takes the best level and becomes a limit there (`fill`), which stops it at that level.
   */
  private engage(m: Market, o: WorkingOrder): void {
    if (!isLive(o)) return
    if (m.mode === BOOK) {
      const levels = m.book.levels(o.buy ? 1 : 0)
      for (let level = levels[0]; level !== undefined && !o.done && acceptsPrice(o, level.price); level = levels[0]) {
        const quantity = Math.min(leaves(o), level.size)
        // The liquidity is gone for the rest of this book state; the feed's next update of the level replaces it.
        m.book.set(o.buy ? 1 : 0, level.price, level.size - quantity)
        this.fill(o, level.price, quantity, "taker")
      }
    } else if (m.mode === QUOTES) {
      const price = o.buy ? m.ask : m.bid
      const size = o.buy ? m.askSize : m.bidSize
      if (size > 0 && acceptsPrice(o, price)) {
        const quantity = Math.min(eventCap(o), size)
        if (o.buy) m.askSize -= quantity
        else m.bidSize -= quantity
        this.fill(o, price, quantity, "taker")
      }
    }
    if (!o.done && o.kind === "limit") this.rest(m, o)
  }

  private rest(m: Market, o: WorkingOrder): void {
    o.resting = true
    o.queueAhead = m.mode === BOOK && o.limit !== undefined ? m.book.sizeAt(o.buy ? 0 : 1, o.limit) : 0
    o.tradedAtLevel = 0
  }

  /** The other side came through a resting limit: it fills at its limit, as maker. */
  private crossResting(m: Market, o: WorkingOrder): void {
    if (m.mode === BOOK) {
      const levels = m.book.levels(o.buy ? 1 : 0)
      for (let level = levels[0]; level !== undefined && !o.done && acceptsPrice(o, level.price); level = levels[0]) {
        const quantity = Math.min(this.visible(o), level.size)
        m.book.set(o.buy ? 1 : 0, level.price, level.size - quantity)
        this.fill(o, o.limit!, quantity, "maker")
      }
    } else if (m.mode === QUOTES) {
      const size = o.buy ? m.askSize : m.bidSize
      if (size > 0 && acceptsPrice(o, o.buy ? m.ask : m.bid)) {
        const quantity = Math.min(eventCap(o), size)
        if (o.buy) m.askSize -= quantity
        else m.bidSize -= quantity
        this.fill(o, o.limit!, quantity, "maker")
      }
    }
  }

  /**
   * A trade and a resting limit: a print strictly through the limit fills it; in book mode a print at the limit
   * first eats the queue ahead of it and fills it with what is left. Returns the lots the order took.
   */
  private tradeAtResting(
    m: Market,
    o: WorkingOrder,
    price: number,
    size: number,
    remaining: number,
    aggressor: 0 | 1 | 2
  ): number {
    if (o.kind !== "limit" || o.limit === undefined || remaining <= 0) return 0
    if (o.buy ? price < o.limit : price > o.limit) {
      const quantity = Math.min(this.visible(o), remaining)
      this.fill(o, o.limit, quantity, "maker")
      return quantity
    }
    // A buyer lifting at our bid price did not trade against the bid queue.
    if (m.mode !== BOOK || price !== o.limit || aggressor === (o.buy ? 1 : 2)) return 0
    const eaten = Math.min(size, o.queueAhead)
    o.queueAhead -= eaten
    o.tradedAtLevel += size
    const quantity = Math.min(this.visible(o), size - eaten, remaining)
    if (quantity === 0) return 0
    this.fill(o, o.limit, quantity, "maker")
    return quantity
  }

  /**
   * A level holding a resting order shrank. The part a trade explains was already taken off the queue; the rest
   * is cancellations, assumed spread evenly over the level, so the share ahead of the order is proportional.
   */
  private requeue(o: WorkingOrder, oldSize: number, newSize: number): void {
    const decrease = oldSize - newSize - o.tradedAtLevel
    if (decrease > 0 && oldSize > 0) o.queueAhead -= mulDivRound(decrease, o.queueAhead, 1, oldSize)
    o.queueAhead = Math.max(0, Math.min(o.queueAhead, newSize))
    o.tradedAtLevel = 0
  }

  /** Lots a resting order shows: an iceberg's slice, otherwise all it has left. */
  private visible(o: WorkingOrder): number {
    return o.order.displayQuantity === undefined ? leaves(o) : Math.min(o.shown, leaves(o))
  }

  // ---- fills and reports ------------------------------------------------------------------------------------

  private fill(o: WorkingOrder, price: number, quantity: number, liquidity: "maker" | "taker"): void {
    const spec = o.spec
    // An auction fills at its one price: no slippage.
    if (liquidity === "taker" && !isAuctionOrder(o)) {
      const slip = this.options.slippage.ticks(this.slippageRng, spec, o.buy ? "buy" : "sell", quantity)
      price = o.buy ? price + slip : price - slip
      // Slippage never takes a limit order past its limit.
      if (o.kind === "limit" && o.limit !== undefined)
        price = o.buy ? Math.min(price, o.limit) : Math.max(price, o.limit)
    }
    const left = this.budgetLeft(o)
    const wanted = quantity
    if (left !== undefined) quantity = this.affordable(o, left, price, quantity, liquidity)
    if (quantity === 0) {
      // The budget is spent: the rest of the order is canceled.
      this.canceled(o.order)
      this.finish(o)
      return
    }
    const fee = this.options.fees.fee(spec, liquidity, price, quantity)
    o.filled += quantity
    o.spent += notional(spec, price, quantity) + fee
    this.emit({
      _tag: "VenueFilled",
      accountId: o.order.accountId,
      orderId: o.order.orderId,
      ts: this.ts(),
      tradeId: `SIM-T${++this.tradeSeq}` as TradeId,
      quantity: lots(quantity),
      price: ticks(price),
      fee: minor(fee),
      feeCurrency: spec.currency.code,
      liquidity
    })
    if (quantity < wanted && leaves(o) > 0) {
      this.canceled(o.order)
      this.finish(o)
      return
    }
    if (o.kind === "market-to-limit") this.toLimit(o, price)
    if (o.oco !== undefined) this.reduceGroup(o.oco.legs, o, quantity)
    if (leaves(o) === 0) {
      this.finish(o)
      return
    }
    if (o.order.displayQuantity !== undefined) {
      o.shown -= quantity
      if (o.shown <= 0) {
        // A new slice joins the back of the queue.
        const m = this.marketOf(o)
        o.shown = Math.min(o.order.displayQuantity, leaves(o))
        if (o.resting && m.mode === BOOK) this.rest(m, o)
      }
    }
  }

  /**
   * A market-to-limit order's first fill: what is left becomes a limit at that fill's price, reported to the
   * Accounts Service as a `VenueReplaced` with the limit. On bars it rests from now on.
   */
  private toLimit(o: WorkingOrder, price: number): void {
    o.kind = "limit"
    o.limit = price
    if (leaves(o) === 0) return
    if (this.marketOf(o).mode === BARS) o.resting = true
    this.emitReplaced(o)
  }

  /**
   * An auction order fills at the auction's price, up to `capacity` lots (a bar's volume cap), whole otherwise; the
   * auction over, whatever did not fill is canceled. Returns the lots filled.
   */
  private auction(o: WorkingOrder, price: number, capacity: number): number {
    const quantity = Math.min(leaves(o), capacity)
    const before = o.filled
    if (quantity > 0) this.fill(o, price, quantity, "taker")
    this.cancelImmediate(o)
    return o.filled - before
  }

  /**
   * What the order may still spend, fee included; undefined without a budget. `notionalLimit` less what it spent;
   * with `fundsShare`, also its share of the account's funds at its first fill less what it spent, and never more
   * than the funds now: at the open after a signal, a reversal's close fills first and its proceeds are in the funds.
   */
  private budgetLeft(o: WorkingOrder): number | undefined {
    const { notionalLimit, fundsShare } = o.order
    let left = notionalLimit === undefined ? Number.POSITIVE_INFINITY : notionalLimit - o.spent
    if (fundsShare !== undefined) {
      const funds = Math.max(0, this.options.funds?.(o.order) ?? 0)
      o.fundsBudget ??= Math.floor((funds * fundsShare) / 10_000)
      left = Math.min(left, o.fundsBudget - o.spent, funds)
    }
    return left === Number.POSITIVE_INFINITY ? undefined : left
  }

  /** Most lots, up to `quantity`, whose notional and fee at `price` fit `left`, what is left of the order's budget. */
  private affordable(
    o: WorkingOrder,
    left: number,
    price: number,
    quantity: number,
    liquidity: "maker" | "taker"
  ): number {
    const perLot = notional(o.spec, price, 1)
    let n = perLot > 0 ? Math.min(quantity, Math.floor(left / perLot)) : quantity
    while (n > 0 && notional(o.spec, price, n) + this.options.fees.fee(o.spec, liquidity, price, n) > left) n--
    return Math.max(0, n)
  }

  /**
   * One-cancels-other: the other live legs of `o`'s group shrink by what `o` just filled, before anything else
   * can match, and a leg left with nothing to fill is canceled. Their time priority is kept (a smaller quantity).
   */
  private reduceGroup(legs: ReadonlyArray<WorkingOrder>, o: WorkingOrder, filled: number): void {
    // A copy: a canceled leg leaves the group while we walk it.
    for (const leg of legs.slice()) {
      if (leg === o) continue
      const quantity = leg.quantity - filled
      if (quantity <= leg.filled) {
        this.canceled(leg.order)
        this.finish(leg)
        continue
      }
      leg.quantity = quantity
      leg.shown = Math.min(leg.shown, leaves(leg))
      this.emitReplaced(leg)
    }
  }

  /** IOC and FOK: whatever did not fill now is canceled. */
  private cancelImmediate(o: WorkingOrder): void {
    if (o.done) return
    this.canceled(o.order)
    this.finish(o)
  }

  /** The timers due at `at`: closing auctions (outside bar mode), then expiries. */
  private expire(at: number): void {
    this.now = Math.max(this.now, at)
    let next = Number.POSITIVE_INFINITY
    for (const m of this.markets) {
      for (const o of m.working) {
        if (o.done) continue
        if (o.kind === "market-on-close" && o.auctionAt <= at) {
          // On bars the bar holding the close fills it (`closeOnBar`), right after this.
          if (m.mode !== BARS) this.closingAuction(m, o)
          if (o.done) continue
          if (o.auctionAt > at && o.auctionAt < next) next = o.auctionAt
        } else if (o.kind === "market-on-close" && o.auctionAt < next) next = o.auctionAt
        if (o.expiresAt <= at) {
          this.emit({ _tag: "VenueExpired", accountId: o.order.accountId, orderId: o.order.orderId, ts: this.ts() })
          this.finish(o)
        } else if (o.expiresAt < next) next = o.expiresAt
      }
      this.sweep(m)
    }
    this.nextExpiry = next
  }

  /**
   * A market-on-close order at its session's close, on quotes, trades or a book: it fills at the last trade before
   * the close (with no trade seen, at the side it takes of the last quote or book). A session that passed with no
   * market data since the order arrived had no auction: the order waits for the next session's close.
   */
  private closingAuction(m: Market, o: WorkingOrder): void {
    const price = m.last ?? bestPrice(m, o.buy)
    if (m.lastEventAt >= o.arrivedAt && price !== undefined) {
      this.auction(o, price, Number.POSITIVE_INFINITY)
      return
    }
    o.auctionAt = closingAuction(o.spec, o.auctionAt)
  }

  private reject(order: Order, message: string): void {
    this.emit({ _tag: "VenueRejected", accountId: order.accountId, orderId: order.orderId, ts: this.ts(), message })
  }

  private finish(o: WorkingOrder): void {
    o.done = true
    this.groups.leave(o)
    this.orders.delete(o.order.orderId)
    this.marketOf(o).dirty = true
  }

  /** Drop finished orders from the market's working list, in place: a new array per finished order was garbage. */
  private sweep(m: Market): void {
    if (!m.dirty) return
    const working = m.working
    let kept = 0
    for (let k = 0; k < working.length; k++) {
      const o = working[k]!
      if (!o.done) working[kept++] = o
    }
    working.length = kept
    m.dirty = false
  }

  private marketOf(o: WorkingOrder): Market {
    return this.markets[o.spec.index]!
  }

  private emitReplaced(o: WorkingOrder): void {
    const type = o.order.type
    this.emit({
      _tag: "VenueReplaced",
      accountId: o.order.accountId,
      orderId: o.order.orderId,
      ts: this.ts(),
      quantity: lots(o.quantity),
      ...(o.limit !== undefined ? { limitPrice: ticks(o.limit) } : {}),
      ...(hasTriggerPrice(type) && o.stop !== undefined ? { stopPrice: ticks(o.stop) } : {})
    })
  }

  /** The venue's time, as reports carry it. */
  private ts(): Timestamp {
    return timestamp(this.now)
  }

  // Reports are written out field by field: a spread of a shared header made two objects of each, and the spread
  // is a slow generic copy.
  private canceled(order: Order): void {
    this.emit({ _tag: "VenueCanceled", accountId: order.accountId, orderId: order.orderId, ts: this.ts() })
  }

  private emit(report: ExecutionReport): void {
    this.options.report(report)
  }
}
