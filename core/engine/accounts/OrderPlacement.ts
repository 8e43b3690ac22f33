/**
 * Placing orders: checking a request, creating its record and counting it in every aggregate, announcing it
 * (`OrderSubmitted` + `VenueSubmit`), refusing groups, and releasing the children an OTO parent held.
 *
 * @since 0.1.0
 */
import type { AccountCommand, ExecutionCommand } from "../../domain/Commands"
import type { OrderId } from "../../domain/Ids"
import { type InstrumentSpec, type InstrumentSpecs, notional } from "../../domain/InstrumentSpec"
import type { OrderRequest, OrderSide, OrderType } from "../../domain/Order"
import { lots, type Timestamp } from "../../domain/Units"
import type { EventSink, Rejection } from "./EventSink"
import { type AccountState, OrderRecord, type Route, snapshot } from "./OrderRecord"
import type { Intent, PreTradeRisk } from "./PreTradeRisk"
import type { RiskScopes } from "./RiskScopes"

type Tag = AccountCommand["_tag"]

/** The fields that decide the price an order's notional is counted at. */
export interface Priced {
  readonly type: OrderType
  readonly side: OrderSide
  readonly limitPrice?: number | undefined
  readonly stopPrice?: number | undefined
  readonly trailingOffset?: number | undefined
  readonly limitOffset?: number | undefined
}

/**
 * The price an order names for itself, or undefined when it fills at whatever the market gives: a limit (limit,
 * stop-limit, limit-if-touched, and a market-to-limit once its first fill set it) is counted at its limit and a
 * stop at its stop. A market-if-touched order is not counted at its trigger: once touched it is a market order.
 */
export const ownPriceOf = (order: Priced): number | undefined => {
  if (order.limitPrice !== undefined) return order.limitPrice
  return order.type === "stop" ? order.stopPrice : undefined
}

/**
 * Price a new order's notional is counted at: its own price (`ownPriceOf`), else `reference` (the mark, else the
 * last fill; NaN before any) — market, market-if-touched, trailing-stop, market-to-limit, market-on-open and
 * market-on-close orders. A trailing-stop-limit is counted at the limit it would get if it triggered at the
 * reference price: reference ± (trailing offset + limit offset).
 */
export const priceOf = (order: Priced, reference: number): number => {
  const own = ownPriceOf(order)
  if (own !== undefined) return own
  if (order.type !== "trailing-stop-limit") return reference
  const reach = (order.trailingOffset ?? 0) + (order.limitOffset ?? 0)
  return order.side === "buy" ? reference + reach : reference - reach
}

const unknownInstrument = (request: OrderRequest): Rejection => ({
  reason: "UNKNOWN_INSTRUMENT",
  message: `unknown instrument ${request.instrumentId}`
})

/** "000" .. "999", the tails of order ids. */
const THREE_DIGITS = Array.from({ length: 1_000 }, (_, n) => String(n).padStart(3, "0"))

/** Orders per generation of the index by order id. */
const GENERATION = 4_096
/**
 * A dropped generation that still holds at least this many orders is kept whole (a page); below it, what it holds
 * moves to `straggling`. So a page costs at most 512 bytes of slots per order it holds.
 */
const PAGE_MIN = 64

/** A dropped generation kept whole: its slots (n = base + slot), and how many still hold an order. */
interface Page {
  readonly records: Array<OrderRecord | undefined>
  held: number
}

/** The n of the first order of the generation holding order n (generations start at 1, 1 + GENERATION, ...). */
const baseOf = (seq: number): number => seq - ((seq - 1) % GENERATION)

/**
 * Creates and indexes orders; ids are `${prefix}${n}`, n = 1, 2, ... The index by n holds the open orders and the
 * closed ones their accounts keep: two arrays of `GENERATION` orders each, the older dropped when the newer is full.
 * What a dropped generation still holds stays there when it is much (a page: a book of long-lived orders then costs
 * no copy at all), else moves to `straggling`; so the index stays small and never churns a big `Map`.
 */
export class OrderPlacement {
  private newer: Array<OrderRecord | undefined> = []
  /** The n of `newer[0]`. */
  private newerBase = 1
  private older: Array<OrderRecord | undefined> = []
  private olderBase = 1
  /** Dropped generations that hold at least `PAGE_MIN` orders, by the n of their first. */
  private readonly pages = new Map<number, Page>()
  /** Orders still indexed when their generation was dropped with fewer, or when its page fell below that. */
  private readonly straggling = new Map<number, OrderRecord>()
  private nextOrder = 1
  /** `${prefix}${thousands}` for the thousands of the latest order id. */
  private head = ""
  private thousands = 0
  /** What `check` hands the risk checks. */
  private readonly intent: { -readonly [K in keyof Intent]: Intent[K] }

  constructor(
    private readonly specs: InstrumentSpecs,
    private readonly scopes: RiskScopes,
    private readonly risk: PreTradeRisk,
    private readonly sink: EventSink,
    private readonly execution: (command: ExecutionCommand) => void,
    private readonly prefix: string
  ) {
    this.intent = {
      route: undefined as unknown as Route,
      side: "buy",
      quantity: 0,
      leaves: 0,
      unitPrice: Number.NaN,
      limitPrice: undefined,
      stopPrice: undefined,
      reduceOnly: false,
      budget: Number.POSITIVE_INFINITY,
      previous: undefined,
      earlier: 0,
      ts: 0
    }
  }

  /** `${prefix}${seq}`, from a cached head and a three-digit tail: formatting a large number is the slow part. */
  private idOf(seq: number): OrderId {
    if (seq < 1_000) return `${this.prefix}${seq}` as OrderId
    const thousands = Math.floor(seq / 1_000)
    if (thousands !== this.thousands) {
      this.thousands = thousands
      this.head = `${this.prefix}${thousands}`
    }
    return (this.head + (THREE_DIGITS[seq - thousands * 1_000] as string)) as OrderId
  }

  /** The order with this id, found by the n in `${prefix}${n}` (the found order's id must then equal it whole). */
  recordOf(orderId: OrderId): OrderRecord | undefined {
    let seq = 0
    for (let i = this.prefix.length; i < orderId.length; i++) {
      const digit = orderId.charCodeAt(i) - 48
      if (digit < 0 || digit > 9) return undefined
      seq = seq * 10 + digit
    }
    const record =
      seq >= this.newerBase
        ? this.newer[seq - this.newerBase]
        : seq >= this.olderBase
          ? this.older[seq - this.olderBase]
          : this.dropped(seq)
    return record !== undefined && record.orderId === orderId ? record : undefined
  }

  /** An order of a dropped generation. */
  private dropped(seq: number): OrderRecord | undefined {
    const base = baseOf(seq)
    const page = this.pages.get(base)
    return page === undefined ? this.straggling.get(seq) : page.records[seq - base]
  }

  /** A closed order: its account keeps it for a while; the one it forgot leaves the index. */
  closed(record: OrderRecord): void {
    const seq = record.route.account.ids.closedOrder(record)
    if (seq === 0) return
    if (seq >= this.newerBase) this.newer[seq - this.newerBase] = undefined
    else if (seq >= this.olderBase) this.older[seq - this.olderBase] = undefined
    else this.forget(seq)
  }

  /** An order of a dropped generation leaves the index; a page left with too few moves them to `straggling`. */
  private forget(seq: number): void {
    const base = baseOf(seq)
    const page = this.pages.get(base)
    if (page === undefined) {
      this.straggling.delete(seq)
      return
    }
    if (page.records[seq - base] === undefined) return
    page.records[seq - base] = undefined
    if (--page.held >= PAGE_MIN) return
    this.pages.delete(base)
    for (const record of page.records) if (record !== undefined) this.straggling.set(record.seq, record)
  }

  private index(record: OrderRecord): void {
    if (this.newer.length >= GENERATION) this.newGeneration(record.seq)
    this.newer.push(record)
  }

  /** The newer generation is full: it becomes the older, starting at n `first`. */
  private newGeneration(first: number): void {
    let held = 0
    for (const old of this.older) if (old !== undefined) held++
    if (held >= PAGE_MIN) this.pages.set(this.olderBase, { records: this.older, held })
    else if (held > 0) for (const old of this.older) if (old !== undefined) this.straggling.set(old.seq, old)
    this.older = this.newer
    this.olderBase = this.newerBase
    this.newer = []
    this.newerBase = first
  }

  /** The first check `request` fails, or undefined. */
  vet(account: AccountState, request: OrderRequest, ts: Timestamp, earlier: number): Rejection | undefined {
    const spec = this.specs.byId.get(request.instrumentId)
    if (spec === undefined) return unknownInstrument(request)
    const route = this.scopes.routeOf(account, spec, request.strategyId)
    return this.check(route, request, this.unitPriceOf(route, request), this.budgetOf(route, request), ts, earlier)
  }

  /** Create the order record and count it everywhere; `vet` passed it. */
  commit(account: AccountState, request: OrderRequest, ts: Timestamp): OrderRecord {
    const spec = this.specs.byId.get(request.instrumentId) as InstrumentSpec
    const route = this.scopes.routeOf(account, spec, request.strategyId)
    return this.create(route, request, this.unitPriceOf(route, request), this.budgetOf(route, request), ts)
  }

  /**
   * `vet` and `commit` of a single order, finding its instrument and scopes and pricing it once (the checks change
   * nothing): its record, or why not.
   */
  place(account: AccountState, request: OrderRequest, ts: Timestamp): OrderRecord | Rejection {
    const spec = this.specs.byId.get(request.instrumentId)
    if (spec === undefined) return unknownInstrument(request)
    const route = this.scopes.routeOf(account, spec, request.strategyId)
    const unitPrice = this.unitPriceOf(route, request)
    const budget = this.budgetOf(route, request)
    return this.check(route, request, unitPrice, budget, ts, 0) ?? this.create(route, request, unitPrice, budget, ts)
  }

  /** The price a new order's notional is counted at (`priceOf`), NaN if it has none. */
  private unitPriceOf(route: Route, request: OrderRequest): number {
    return priceOf(request, this.risk.valuation(route.spec.index))
  }

  private check(
    route: Route,
    request: OrderRequest,
    unitPrice: number,
    budget: number,
    ts: Timestamp,
    earlier: number
  ): Rejection | undefined {
    // The checks read the intent and keep nothing of it: one object, refilled for each new order.
    const intent = this.intent
    intent.route = route
    intent.side = request.side
    intent.quantity = request.quantity
    intent.leaves = request.quantity
    intent.unitPrice = unitPrice
    intent.limitPrice = request.limitPrice
    intent.stopPrice = request.stopPrice
    intent.reduceOnly = request.reduceOnly
    intent.budget = budget
    intent.earlier = earlier
    intent.ts = ts
    return this.risk.check(intent)
  }

  /**
   * What the order is counted at most at: its `notionalLimit`, and its `fundsShare` of the funds the account has now
   * (`PreTradeRisk.funds`), whichever is smaller; `Infinity` without either.
   */
  private budgetOf(route: Route, request: OrderRequest): number {
    const limit = request.notionalLimit ?? Number.POSITIVE_INFINITY
    const share = request.fundsShare
    if (share === undefined) return limit
    return Math.min(limit, Math.floor((this.risk.funds(route, undefined) * share) / 10_000))
  }

  private create(route: Route, request: OrderRequest, unitPrice: number, budget: number, ts: Timestamp): OrderRecord {
    const { account, spec } = route
    const working = Number.isNaN(unitPrice) ? 0 : Math.min(notional(spec, unitPrice, request.quantity), budget)
    const seq = this.nextOrder++
    const record = new OrderRecord(request, this.idOf(seq), seq, route, unitPrice, working, ts, budget)
    account.ids.use(request.clientOrderId, record)
    account.addOpen(record)
    this.index(record)
    const buy = request.side === "buy"
    for (let k = 0; k < route.scopes.length; k++) {
      route.scopes[k]!.openOrders++
      const stat = route.stats[k]!
      if (buy) stat.buyLeaves += request.quantity
      else stat.sellLeaves += request.quantity
      stat.workingNotional += working
    }
    if (record.reservesCash && working > 0) account.portfolio.reserve(spec.currency.code, working)
    this.risk.recordSubmission(route, ts)
    return record
  }

  /** Commit a group; an OCO group (`ocoGroup` its id) links its members before any of them is announced. */
  commitAll(
    account: AccountState,
    requests: ReadonlyArray<OrderRequest>,
    ts: Timestamp,
    ocoGroup: string | undefined
  ): Array<OrderRecord> {
    const records = requests.map((request) => this.commit(account, request, ts))
    if (ocoGroup !== undefined) {
      const group = { id: ocoGroup, members: records }
      for (const record of records) record.oco = group
    }
    return records
  }

  /** Publish a committed order and send it to the venue. */
  announce(record: OrderRecord, ts: Timestamp): void {
    const order = snapshot(record)
    const account = record.route.account
    this.sink.emit({ _tag: "OrderSubmitted", sequence: this.sink.next(account), ts, accountId: order.accountId, order })
    const oco = record.oco
    this.execution(
      oco === undefined ? { _tag: "VenueSubmit", order, ts } : { _tag: "VenueSubmit", order, ocoGroup: oco.id, ts }
    )
  }

  /** Refuse every order of a group: the one at fault with its reason, the others because of it. */
  refuseAll(
    account: AccountState,
    command: Tag,
    requests: ReadonlyArray<OrderRequest>,
    fault: number,
    rejection: Rejection,
    group: string,
    ts: Timestamp
  ): void {
    const culprit = requests[fault]!.clientOrderId
    const others = { reason: rejection.reason, message: `${group} refused because of ${culprit}: ${rejection.message}` }
    requests.forEach((request, i) => {
      this.sink.orderRejected(account, command, request.clientOrderId, undefined, i === fault ? rejection : others, ts)
    })
  }

  /** Release an OTO parent's children: all of them after a complete fill, cut to the filled quantity after a partial one. */
  release(parent: OrderRecord, ts: Timestamp): void {
    const held = parent.held
    if (held === undefined) return
    parent.held = undefined
    const account = parent.route.account
    const { filledQuantity: filled, status, clientOrderId } = parent
    if (filled === 0) {
      const dropped: Rejection = {
        reason: "ORDER_NOT_OPEN",
        message: `parent ${clientOrderId} of list ${held.listId} ended ${status} without a fill: order dropped`
      }
      for (const child of held.requests) {
        account.ids.dropped(child.clientOrderId)
        this.sink.orderRejected(account, "SubmitOrderList", child.clientOrderId, undefined, dropped, ts)
      }
      return
    }
    const requests =
      status === "filled" ? held.requests : held.requests.map((child) => OrderPlacement.capped(child, filled))
    if (!held.asOco) {
      for (const child of requests) {
        const placed = this.place(account, child, ts)
        if (placed instanceof OrderRecord) {
          this.announce(placed, ts)
          continue
        }
        account.ids.dropped(child.clientOrderId)
        this.sink.orderRejected(account, "SubmitOrderList", child.clientOrderId, undefined, placed, ts)
      }
      return
    }
    for (let i = 0; i < requests.length; i++) {
      const refused = this.vet(account, requests[i]!, ts, i)
      if (refused !== undefined) {
        for (const child of requests) account.ids.dropped(child.clientOrderId)
        this.refuseAll(account, "SubmitOrderList", requests, i, refused, `the exits of list ${held.listId}`, ts)
        return
      }
    }
    for (const record of this.commitAll(account, requests, ts, held.listId)) this.announce(record, ts)
  }

  /** A held child cut to its parent's filled quantity. */
  private static capped(child: OrderRequest, filled: number): OrderRequest {
    if (child.quantity <= filled) return child
    const shown = child.displayQuantity
    return {
      ...child,
      quantity: lots(filled),
      ...(shown !== undefined && shown > filled ? { displayQuantity: lots(filled) } : {})
    }
  }
}
