/**
 * Pre-trade risk: the checks an order (or an amendment) must pass before it goes to the venue. Every aggregate
 * check counts pending and working orders through the scopes' incremental aggregates, so a check costs O(scopes ×
 * instruments the scope holds), never a scan of the orders.
 *
 * @since 0.1.0
 */
import type { Currency } from "../../domain/Currency"
import type { InstrumentSpec } from "../../domain/InstrumentSpec"
import type { OrderSide } from "../../domain/Order"
import { mulIsSafe } from "../../domain/SafeInt"
import type { FxRates } from "../portfolio/FxRates"
import type { Rejection } from "./EventSink"
import { basisPoints, safeConvert, safeNotional, withinBand } from "./Money"
import { leaves, type OrderRecord, type Route } from "./OrderRecord"
import * as refuse from "./RiskRefusals"
import type { InstrumentStat, ScopeState } from "./ScopeState"

/** An order, or an amendment of `previous`, as the checks see it. */
export interface Intent {
  readonly route: Route
  readonly side: OrderSide
  /** Total quantity of the order after the intent. */
  readonly quantity: number
  /** Leaves of the order after the intent. */
  readonly leaves: number
  /** Price its notional is counted at, NaN when there is none (a market order before any price). */
  readonly unitPrice: number
  readonly limitPrice: number | undefined
  readonly stopPrice: number | undefined
  readonly reduceOnly: boolean
  /**
   * A budget the venue spends at the fill price (`OrderRecord.budget`: the order's `notionalLimit`, or its
   * `fundsShare` of the funds the account has now): the order is worth no more. `Infinity` when it has none.
   */
  readonly budget: number
  readonly previous: OrderRecord | undefined
  /** Orders of the same list checked before this one, counted as already open. */
  readonly earlier: number
  readonly ts: number
}

/** Lots at risk if every open order of the worse side filled. */
const worseSide = (position: number, buyLeaves: number, sellLeaves: number): number =>
  Math.max(Math.abs(position + buyLeaves), Math.abs(position - sellLeaves))

/** Whether an order of `quantity` on `side` only reduces `position` (never opens, increases or flips it). */
export const reduces = (position: number, side: OrderSide, quantity: number): boolean =>
  side === "buy" ? position < 0 && quantity <= -position : position > 0 && quantity <= position

/** The checks, over the prices and FX rates the engine keeps current. */
export class PreTradeRisk {
  constructor(
    private readonly fx: FxRates,
    private readonly firm: ScopeState,
    /** Last mark per instrument index, NaN before the first. */
    private readonly marks: Float64Array,
    /** Last fill price per instrument index, NaN before the first. */
    private readonly fills: Float64Array
  ) {}

  /** The price positions are valued at: the last mark, else the last fill, else NaN. */
  valuation(index: number): number {
    const mark = this.marks[index] as number
    return Number.isNaN(mark) ? (this.fills[index] as number) : mark
  }

  /** The first check the intent fails, or undefined when it passes them all. */
  check(intent: Intent): Rejection | undefined {
    const { route, side, quantity, unitPrice, previous } = intent
    const { spec, account } = route
    const instrument = spec.instrument
    if (instrument.minQuantity !== undefined && quantity < instrument.minQuantity) {
      return refuse.belowMinimum(quantity, instrument)
    }
    if (instrument.maxQuantity !== undefined && quantity > instrument.maxQuantity) {
      return refuse.aboveMaximum(quantity, instrument)
    }
    const priced = !Number.isNaN(unitPrice)
    let notional = 0
    let working = 0
    if (priced) {
      const total = safeNotional(spec, unitPrice, quantity)
      if (total === undefined || !this.fillValueIsSafe(intent)) return refuse.inexact(quantity, unitPrice)
      const cap = intent.budget
      notional = Math.min(total, cap)
      working = Math.min(
        intent.leaves === quantity ? total : (safeNotional(spec, unitPrice, intent.leaves) as number),
        cap
      )
    }
    const addLeaves = intent.leaves - (previous === undefined ? 0 : leaves(previous))
    const addWorking = working - (previous === undefined ? 0 : previous.working)
    const position = account.portfolio.positionQuantity(spec.index)
    const reducing = reduces(position, side, intent.leaves)

    if (intent.reduceOnly && !reducing) return refuse.notReducing(side, intent.leaves, position)
    if (addLeaves > 0 && (account.scope.killed || this.firm.killed || account.scope.halted || this.firm.halted)) {
      const refused = refuse.switchedOff(account.scope, this.firm, reducing)
      if (refused !== undefined) return refused
    }
    const refused =
      this.checkScopes(intent, notional, priced, addLeaves, addWorking, reducing) ??
      this.checkBuyingPower(intent, priced, addLeaves, addWorking)
    if (refused !== undefined) return refused
    if (previous === undefined) {
      for (const scope of route.scopes) {
        const rate = scope.rate
        if (rate !== undefined && !rate.allows(intent.ts, intent.earlier + 1)) return refuse.tooFast(scope, rate)
      }
    }
    return undefined
  }

  /**
   * What the account of `route` can spend now on an order of its instrument, in minor units of the instrument's
   * currency (never below 0): a cash account's fully funded instrument has its free cash, plus what `own` (the
   * order asking) holds reserved; otherwise it is buying power, equity less the initial margin the positions and
   * open orders hold at their worse side (without `own`'s leaves), over the instrument's initial margin rate. An
   * order sized from the funds (`fundsShare`) is counted at them when placed; the venue sizes it at them at the fill,
   * after the orders sent before it (the close of a reversal) filled. 0 when they cannot be valued.
   */
  funds(route: Route, own: OrderRecord | undefined): number {
    const { spec, account } = route
    if (!account.margin && spec.instrument.margin === undefined) {
      const free = account.portfolio.freeCash(spec.currency.code) + (own?.reservesCash === true ? own.working : 0)
      return Math.max(0, free)
    }
    const mine = route.accountStat
    const ownLeaves = own === undefined ? 0 : leaves(own)
    let held = 0
    for (const s of account.scope.stats) {
      const buys = s.buyLeaves - (s === mine && own?.side === "buy" ? ownLeaves : 0)
      const sells = s.sellLeaves - (s === mine && own?.side === "sell" ? ownLeaves : 0)
      const worst = worseSide(s.position, buys, sells)
      if (worst === 0) continue
      const rate = s.spec.instrument.margin?.initial ?? 10_000
      const price = this.valuation(s.spec.index)
      const margin = Number.isNaN(price)
        ? safeConvert(this.fx, basisPoints(s.workingNotional, rate), s.spec.currency, account.base)
        : this.marginOf(s.spec, price, worst, rate, account.base)
      if (margin === undefined) return 0
      held += margin
    }
    let equity: number
    try {
      equity = account.portfolio.equity()
    } catch {
      return 0
    }
    const free = safeConvert(this.fx, equity - held, account.base, spec.currency)
    if (free === undefined || free <= 0) return 0
    const rate = spec.instrument.margin?.initial ?? 10_000
    return rate === 10_000 ? free : Math.floor((free * 10_000) / rate)
  }

  /** Count a submitted order in the rate windows of its scopes. */
  recordSubmission(route: Route, ts: number): void {
    for (const scope of route.scopes) scope.rate?.record(ts)
  }

  /** Σ price × quantity accumulates in `Order.filledValue`: it must stay exact at the prices the order names. */
  private fillValueIsSafe(intent: Intent): boolean {
    const { quantity, limitPrice, stopPrice, unitPrice } = intent
    return (
      mulIsSafe(unitPrice, quantity) &&
      (limitPrice === undefined || mulIsSafe(limitPrice, quantity)) &&
      (stopPrice === undefined || mulIsSafe(stopPrice, quantity))
    )
  }

  /** The limits of every scope the order falls in, in route order (firm, account, instrument, strategy). */
  private checkScopes(
    intent: Intent,
    notional: number,
    priced: boolean,
    addLeaves: number,
    addWorking: number,
    reducing: boolean
  ): Rejection | undefined {
    const route = intent.route
    for (let k = 0; k < route.scopes.length; k++) {
      const scope = route.scopes[k] as ScopeState
      const limits = scope.limits
      if (limits.maxOrderQuantity !== undefined && intent.quantity > limits.maxOrderQuantity) {
        return refuse.tooLarge(intent.quantity, scope)
      }
      if (limits.maxOrderNotional !== undefined) {
        if (!priced) return refuse.unpricedNotional(scope)
        const value = safeConvert(this.fx, notional, route.spec.currency, scope.currency)
        if (value === undefined) return refuse.noRate("MAX_NOTIONAL", route.spec.currency.code, scope)
        if (value > limits.maxOrderNotional) return refuse.tooMuchNotional(value, scope)
      }
      if (limits.priceBand !== undefined) {
        const refused = this.checkBand(intent, scope, limits.priceBand)
        if (refused !== undefined) return refused
      }
      if (limits.maxPosition !== undefined && addLeaves > 0) {
        const stat = route.stats[k] as InstrumentStat
        const projected =
          intent.side === "buy"
            ? stat.position + stat.buyLeaves + addLeaves
            : stat.position - stat.sellLeaves - addLeaves
        if (Math.abs(projected) > limits.maxPosition) {
          return refuse.beyondPosition(stat.position, intent.side, projected, scope)
        }
      }
      if (
        limits.maxOpenOrders !== undefined &&
        intent.previous === undefined &&
        scope.openOrders + intent.earlier + 1 > limits.maxOpenOrders
      ) {
        return refuse.tooManyOpen(scope)
      }
      if ((limits.maxGrossExposure !== undefined || limits.maxNetExposure !== undefined) && !reducing) {
        if (!priced && addLeaves > 0) return refuse.unpricedExposure(scope)
        if (addWorking > 0) {
          const refused = this.checkExposure(scope, intent, addWorking)
          if (refused !== undefined) return refused
        }
      }
    }
    return undefined
  }

  /** The order's limit, else its stop price, within `band` bps of the last price (no check before a price). */
  private checkBand(intent: Intent, scope: ScopeState, band: number): Rejection | undefined {
    const last = this.marks[intent.route.spec.index] as number
    if (Number.isNaN(last)) return undefined
    const { limitPrice, stopPrice } = intent
    if (limitPrice !== undefined && !withinBand(limitPrice, last, band))
      return refuse.outsideBand(limitPrice, last, scope)
    if (stopPrice !== undefined && !withinBand(stopPrice, last, band)) return refuse.outsideBand(stopPrice, last, scope)
    return undefined
  }

  private checkExposure(scope: ScopeState, intent: Intent, addWorking: number): Rejection | undefined {
    const { maxGrossExposure, maxNetExposure } = scope.limits
    let gross = 0
    let net = 0
    let workingTotal = 0
    for (const stat of scope.stats) {
      const price = this.valuation(stat.spec.index)
      const held = stat.position === 0 || Number.isNaN(price) ? 0 : safeNotional(stat.spec, price, stat.position)
      const value = held === undefined ? undefined : safeConvert(this.fx, held, stat.spec.currency, scope.currency)
      const work = safeConvert(this.fx, stat.workingNotional, stat.spec.currency, scope.currency)
      if (value === undefined || work === undefined)
        return refuse.noRate("EXPOSURE_LIMIT", stat.spec.currency.code, scope)
      gross += Math.abs(value) + work
      net += value
      workingTotal += work
    }
    const spec = intent.route.spec
    const added = safeConvert(this.fx, addWorking, spec.currency, scope.currency)
    if (added === undefined) return refuse.noRate("EXPOSURE_LIMIT", spec.currency.code, scope)
    gross += added
    net = Math.abs(net) + workingTotal + added
    if (maxGrossExposure !== undefined && gross > maxGrossExposure) return refuse.grossExposure(gross, scope)
    if (maxNetExposure !== undefined && net > maxNetExposure) return refuse.netExposure(net, scope)
    return undefined
  }

  /**
   * A cash account's buy of a fully funded instrument needs free cash for its notional (reserved while it works)
   * and its sells must not go short; margin accounts and margined instruments need the initial margin of the
   * positions and working orders (each instrument at its worse side) within equity, unless the order lowers it; an
   * order with a budget counts the lots its budget buys (see `budgetedLeaves`).
   */
  private checkBuyingPower(
    intent: Intent,
    priced: boolean,
    addLeaves: number,
    addWorking: number
  ): Rejection | undefined {
    const { route, side } = intent
    const { spec, account } = route
    const stat = route.accountStat
    if (!account.margin && spec.instrument.margin === undefined) {
      if (side === "sell") {
        return stat.position - stat.sellLeaves - addLeaves < 0
          ? refuse.cashShortSale(stat.position, stat.sellLeaves)
          : undefined
      }
      if (!priced) return refuse.noReferencePrice()
      if (addWorking <= 0) return undefined
      const free = account.portfolio.freeCash(spec.currency.code)
      return addWorking > free ? refuse.insufficientFunds(addWorking, spec.currency.code, free) : undefined
    }
    if (addLeaves <= 0) return undefined
    const added = this.budgetedLeaves(intent, addLeaves)
    let before = 0
    let after = 0
    for (const s of account.scope.stats) {
      const own = s === stat
      const worst = worseSide(s.position, s.buyLeaves, s.sellLeaves)
      const next = own
        ? worseSide(
            s.position,
            s.buyLeaves + (side === "buy" ? added : 0),
            s.sellLeaves + (side === "sell" ? added : 0)
          )
        : worst
      if (worst === 0 && next === 0) continue
      const rate = s.spec.instrument.margin?.initial ?? 10_000
      const price = own && Number.isNaN(this.valuation(s.spec.index)) ? intent.unitPrice : this.valuation(s.spec.index)
      let a: number | undefined
      let b: number | undefined
      if (!Number.isNaN(price)) {
        a = this.marginOf(s.spec, price, worst, rate, account.base)
        b = this.marginOf(s.spec, price, next, rate, account.base)
      } else if (own) {
        return refuse.unpricedMargin(s.spec.instrument)
      } else {
        // Never traded nor marked: only working orders, valued at their own prices.
        a = safeConvert(this.fx, basisPoints(s.workingNotional, rate), s.spec.currency, account.base)
        b = a
      }
      if (a === undefined || b === undefined) return refuse.noRate("BUYING_POWER", s.spec.currency.code, account.scope)
      before += a
      after += b
    }
    if (after <= before) return undefined
    let equity: number
    try {
      equity = account.portfolio.equity()
    } catch {
      return refuse.unvaluedEquity(account.scope)
    }
    return after > equity ? refuse.marginBeyondEquity(after, account.base.code, equity) : undefined
  }

  /**
   * The lots an order adds, as margin counts them. An order with a budget (`notionalLimit` or `fundsShare`, sizing at
   * the fill price) carries a quantity that is only an upper bound: it is worth no more than its budget, so it adds no
   * more lots than the budget buys at the price it is valued at (its own where the instrument has no price yet).
   */
  private budgetedLeaves(intent: Intent, addLeaves: number): number {
    const budget = intent.budget
    if (budget === Number.POSITIVE_INFINITY) return addLeaves
    const spec = intent.route.spec
    const valued = this.valuation(spec.index)
    const price = Number.isNaN(valued) ? intent.unitPrice : valued
    if (Number.isNaN(price)) return addLeaves
    const perLot = safeNotional(spec, price, 1)
    if (perLot === undefined || perLot <= 0) return addLeaves
    let lots = Math.min(addLeaves, Math.floor(budget / perLot))
    // The division is in floating point: check the product exactly, in integers.
    while (lots < addLeaves && (safeNotional(spec, price, lots + 1) ?? Number.POSITIVE_INFINITY) <= budget) lots++
    while (lots > 0 && (safeNotional(spec, price, lots) ?? Number.POSITIVE_INFINITY) > budget) lots--
    return lots
  }

  /** Initial margin of `lots` at `price` in the account's base currency; undefined if it cannot be valued. */
  private marginOf(
    spec: InstrumentSpec,
    price: number,
    lots: number,
    rate: number,
    base: Currency
  ): number | undefined {
    if (lots === 0) return 0
    const value = safeNotional(spec, price, lots)
    return value === undefined
      ? undefined
      : safeConvert(this.fx, basisPoints(Math.abs(value), rate), spec.currency, base)
  }
}
