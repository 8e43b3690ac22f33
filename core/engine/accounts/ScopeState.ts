/**
 * The running aggregates of one risk scope (the firm, an account, an account's instrument, a strategy), kept
 * incrementally as orders open, fill and close so that a pre-trade check never scans the order book.
 *
 * @since 0.1.0
 */
import type { Currency } from "../../domain/Currency"
import type { InstrumentSpec } from "../../domain/InstrumentSpec"
import type { RiskLimits } from "../../domain/Risk"

/** One instrument's aggregates within a scope. Working notional is in minor units of the instrument's currency. */
export interface InstrumentStat {
  readonly spec: InstrumentSpec
  /** Signed lots filled by the scope's orders. */
  position: number
  /** Leaves of open (pending or working) buy orders. */
  buyLeaves: number
  /** Leaves of open sell orders. */
  sellLeaves: number
  /** Σ leaves × price of open orders (the price their checks used). */
  workingNotional: number
}

/**
 * The submission times of the last `max` orders in a ring, to answer "may `n` more orders go in the last `window`
 * µs" in O(1) amortized. Expired times are dropped lazily: only when the ring is full or the count nears `max`, in
 * one sequential sweep, so that an order far below its limit never reads the ring. The ring doubles when a sweep
 * leaves it more than half full, so it holds at most about twice what the window holds, and a generous `max` costs
 * nothing.
 */
export class RateWindow {
  private times = new Float64Array(16)
  /** Ring capacity - 1 (a power of two). */
  private mask = 15
  private head = 0
  /** Times held: those in the window, and expired ones not swept yet. */
  private count = 0

  constructor(
    readonly max: number,
    readonly window: number
  ) {}

  /** Slots of the ring. */
  get capacity(): number {
    return this.times.length
  }

  /** Whether `n` more orders at `ts` keep the orders in `(ts - window, ts]` within `max`. */
  allows(ts: number, n: number): boolean {
    if (this.count + n <= this.max) return true
    this.expire(ts)
    return this.count + n <= this.max
  }

  /** Orders submitted in `(ts - window, ts]`. */
  recent(ts: number): number {
    this.expire(ts)
    return this.count
  }

  record(ts: number): void {
    if (this.count === this.max || this.count === this.times.length) this.makeRoom(ts)
    this.times[(this.head + this.count) & this.mask] = ts
    this.count++
  }

  /** At `max`, drop the oldest; with a full ring, sweep, and double it if it stays more than half full. */
  private makeRoom(ts: number): void {
    if (this.count === this.max) {
      this.head = (this.head + 1) & this.mask
      this.count--
      return
    }
    this.expire(ts)
    if (2 * this.count > this.times.length) this.grow()
  }

  /** Forget the times at or before `ts - window`. */
  private expire(ts: number): void {
    const oldest = ts - this.window
    const { times, mask } = this
    let { head, count } = this
    while (count > 0 && (times[head] as number) <= oldest) {
      head = (head + 1) & mask
      count--
    }
    this.head = head
    this.count = count
  }

  private grow(): void {
    const old = this.times
    const times = new Float64Array(old.length * 2)
    for (let i = 0; i < this.count; i++) times[i] = old[(this.head + i) & this.mask] as number
    this.times = times
    this.mask = times.length - 1
    this.head = 0
  }
}

/** Every limit of a scope, `undefined` where none is set. */
export type ScopeLimits = { readonly [K in keyof RiskLimits]-?: RiskLimits[K] | undefined }

/**
 * The limits in one object layout, whichever fields the command carried: every order reads them in every scope, and
 * a property read that sees many layouts is a slow one.
 */
const scopeLimits = (limits: RiskLimits): ScopeLimits => ({
  maxOrderQuantity: limits.maxOrderQuantity,
  maxOrderNotional: limits.maxOrderNotional,
  maxPosition: limits.maxPosition,
  maxOpenOrders: limits.maxOpenOrders,
  priceBand: limits.priceBand,
  maxOrdersPerWindow: limits.maxOrdersPerWindow,
  orderRateWindow: limits.orderRateWindow,
  dailyLossLimit: limits.dailyLossLimit,
  maxGrossExposure: limits.maxGrossExposure,
  maxNetExposure: limits.maxNetExposure
})

/** Limits and aggregates of one scope. Amounts of the scope's limits are in `currency`. */
export class ScopeState {
  limits: ScopeLimits = scopeLimits({})
  /** Orders pending or working at the venue. */
  openOrders = 0
  /** Instruments the scope has touched, in first-touch order (exposure sums iterate these). */
  readonly stats: Array<InstrumentStat> = []
  /** The daily-loss kill switch of this scope is tripped until the next UTC day. */
  killed = false
  /** The operator's kill switch (firm and account scopes): on until the operator resumes trading. */
  halted = false
  rate: RateWindow | undefined = undefined
  private readonly byIndex: Array<InstrumentStat | undefined> = []

  constructor(
    /** How messages name the scope, e.g. `account acc-1`. */
    readonly label: string,
    readonly currency: Currency
  ) {}

  /** The instrument's aggregates, created on first use. */
  stat(spec: InstrumentSpec): InstrumentStat {
    const existing = this.byIndex[spec.index]
    if (existing !== undefined) return existing
    const created: InstrumentStat = { spec, position: 0, buyLeaves: 0, sellLeaves: 0, workingNotional: 0 }
    this.byIndex[spec.index] = created
    this.stats.push(created)
    return created
  }

  /** The limits set, without the absent ones. */
  limitsSet(): RiskLimits {
    const set: Record<string, number> = {}
    for (const [key, value] of Object.entries(this.limits)) if (value !== undefined) set[key] = value
    return set as RiskLimits
  }

  /** Replace the limits; the rate window restarts when its size or span changes. */
  setLimits(limits: RiskLimits): void {
    this.limits = scopeLimits(limits)
    const { maxOrdersPerWindow: max, orderRateWindow: window } = limits
    if (max === undefined || window === undefined) this.rate = undefined
    else if (this.rate === undefined || this.rate.max !== max || this.rate.window !== window) {
      this.rate = new RateWindow(max, window)
    }
  }
}
