/**
 * Pre-trade risk: the checks an order (or an amendment) must pass before it goes to the venue. Every aggregate
 * check counts pending and working orders through the scopes' incremental aggregates, so a check costs O(scopes ×
 * instruments the scope holds), never a scan of the orders.
 *
 * @since 0.1.0
 */
import type { Currency } from "../../domain/Currency"
import type { OrderSide } from "../../domain/Order"
import type { RejectReason } from "../../domain/Reject"
import { mulIsSafe } from "../../domain/SafeInt"
import type { InstrumentSpec } from "../InstrumentSpec"
import type { FxRates } from "../portfolio/FxRates"
import type { Rejection } from "./EventSink"
import { basisPoints, safeConvert, safeNotional, withinBand } from "./Money"
import { leaves, type OrderRecord, type Route } from "./OrderRecord"
import type { ScopeState } from "./ScopeState"

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
  /** A budget the venue spends at the fill price (`OrderRequest.notionalLimit`): the order is worth no more. */
  readonly notionalLimit: number | undefined
  readonly previous: OrderRecord | undefined
  /** Orders of the same list checked before this one, counted as already open. */
  readonly earlier: number
  readonly ts: number
}

const reject = (reason: RejectReason, message: string): Rejection => ({ reason, message })

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
      return reject(
        "INVALID_QUANTITY",
        `quantity ${quantity} is below ${instrument.id}'s minimum ${instrument.minQuantity}`
      )
    }
    if (instrument.maxQuantity !== undefined && quantity > instrument.maxQuantity) {
      return reject(
        "INVALID_QUANTITY",
        `quantity ${quantity} is above ${instrument.id}'s maximum ${instrument.maxQuantity}`
      )
    }
    const priced = !Number.isNaN(unitPrice)
    let notional = 0
    let working = 0
    if (priced) {
      const total = safeNotional(spec, unitPrice, quantity)
      if (total === undefined || !this.fillValueIsSafe(intent)) {
        return reject("PRECISION_LOSS", `${quantity} lots at ${unitPrice} ticks leaves the exact integer range`)
      }
      const cap = intent.notionalLimit ?? Number.POSITIVE_INFINITY
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

    if (intent.reduceOnly && !reducing) {
      return reject(
        "REDUCE_ONLY",
        `a reduce-only ${side} of ${intent.leaves} would open, increase or flip position ${position}`
      )
    }
    if (addLeaves > 0 && !reducing && (account.scope.killed || this.firm.killed)) {
      const scope = account.scope.killed ? account.scope : this.firm
      return reject("KILL_SWITCH", `the daily-loss kill switch of ${scope.label} is active: only reducing orders pass`)
    }
    for (let k = 0; k < route.scopes.length; k++) {
      const refused = this.checkScope(intent, k, notional, priced, addLeaves, addWorking, reducing)
      if (refused !== undefined) return refused
    }
    const refused = this.checkBuyingPower(intent, priced, addLeaves, addWorking)
    if (refused !== undefined) return refused
    if (previous === undefined) {
      for (const scope of route.scopes) {
        const rate = scope.rate
        if (rate !== undefined && !rate.allows(intent.ts, intent.earlier + 1)) {
          return reject("ORDER_RATE", `${scope.label} allows ${rate.max} orders per ${rate.window} µs`)
        }
      }
    }
    return undefined
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

  private checkScope(
    intent: Intent,
    k: number,
    notional: number,
    priced: boolean,
    addLeaves: number,
    addWorking: number,
    reducing: boolean
  ): Rejection | undefined {
    const scope = intent.route.scopes[k] as ScopeState
    const stat = intent.route.stats[k]!
    const limits = scope.limits
    const spec = intent.route.spec
    const label = scope.label
    if (limits.maxOrderQuantity !== undefined && intent.quantity > limits.maxOrderQuantity) {
      return reject(
        "MAX_ORDER_QUANTITY",
        `quantity ${intent.quantity} exceeds the ${label} limit of ${limits.maxOrderQuantity}`
      )
    }
    if (limits.maxOrderNotional !== undefined) {
      if (!priced) return reject("MAX_NOTIONAL", `no price to value the order against the ${label} notional limit`)
      const value = safeConvert(this.fx, notional, spec.currency, scope.currency)
      if (value === undefined) return reject("MAX_NOTIONAL", this.noRate(spec.currency.code, scope))
      if (value > limits.maxOrderNotional) {
        return reject("MAX_NOTIONAL", `notional ${value} exceeds the ${label} limit of ${limits.maxOrderNotional}`)
      }
    }
    if (limits.priceBand !== undefined) {
      const last = this.marks[spec.index] as number
      const outside = Number.isNaN(last)
        ? undefined
        : intent.limitPrice !== undefined && !withinBand(intent.limitPrice, last, limits.priceBand)
          ? intent.limitPrice
          : intent.stopPrice !== undefined && !withinBand(intent.stopPrice, last, limits.priceBand)
            ? intent.stopPrice
            : undefined
      if (outside !== undefined) {
        return reject(
          "PRICE_BAND",
          `price ${outside} is more than ${limits.priceBand} bps from the last price ${last} (${label})`
        )
      }
    }
    if (limits.maxPosition !== undefined) {
      const projected =
        intent.side === "buy" ? stat.position + stat.buyLeaves + addLeaves : stat.position - stat.sellLeaves - addLeaves
      if (Math.abs(projected) > limits.maxPosition && addLeaves > 0) {
        return reject(
          "POSITION_LIMIT",
          `position ${stat.position} with open ${intent.side} orders would reach ${projected}, beyond the ${label} limit of ${limits.maxPosition}`
        )
      }
    }
    if (
      limits.maxOpenOrders !== undefined &&
      intent.previous === undefined &&
      scope.openOrders + intent.earlier + 1 > limits.maxOpenOrders
    ) {
      return reject(
        "MAX_OPEN_ORDERS",
        `${scope.openOrders} orders are open, the ${label} limit is ${limits.maxOpenOrders}`
      )
    }
    if ((limits.maxGrossExposure !== undefined || limits.maxNetExposure !== undefined) && !reducing) {
      if (!priced && addLeaves > 0) {
        return reject("EXPOSURE_LIMIT", `no price to value the order against the ${label} exposure limits`)
      }
      if (addWorking > 0) return this.checkExposure(scope, intent, addWorking)
    }
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
      if (value === undefined || work === undefined) {
        return reject("EXPOSURE_LIMIT", this.noRate(stat.spec.currency.code, scope))
      }
      gross += Math.abs(value) + work
      net += value
      workingTotal += work
    }
    const spec = intent.route.spec
    const added = safeConvert(this.fx, addWorking, spec.currency, scope.currency)
    if (added === undefined) return reject("EXPOSURE_LIMIT", this.noRate(spec.currency.code, scope))
    gross += added
    net = Math.abs(net) + workingTotal + added
    if (maxGrossExposure !== undefined && gross > maxGrossExposure) {
      return reject(
        "EXPOSURE_LIMIT",
        `gross exposure would reach ${gross}, the ${scope.label} limit is ${maxGrossExposure}`
      )
    }
    if (maxNetExposure !== undefined && net > maxNetExposure) {
      return reject("EXPOSURE_LIMIT", `net exposure would reach ${net}, the ${scope.label} limit is ${maxNetExposure}`)
    }
    return undefined
  }

  /**
   * A cash account's buy of a fully funded instrument needs free cash for its notional (reserved while it works)
   * and its sells must not go short; margin accounts and margined instruments need the initial margin of the
   * positions and working orders (each instrument at its worse side) within equity, unless the order lowers it.
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
          ? reject(
              "BUYING_POWER",
              `a cash account cannot sell short: position ${stat.position}, open sells ${stat.sellLeaves}`
            )
          : undefined
      }
      if (!priced) return reject("NO_REFERENCE_PRICE", "no price yet to value a market order against free cash")
      if (addWorking <= 0) return undefined
      const free = account.portfolio.freeCash(spec.currency.code)
      return addWorking > free
        ? reject("INSUFFICIENT_FUNDS", `the order needs ${addWorking} ${spec.currency.code}, free cash is ${free}`)
        : undefined
    }
    if (addLeaves <= 0) return undefined
    let before = 0
    let after = 0
    for (const s of account.scope.stats) {
      const own = s === stat
      const worst = worseSide(s.position, s.buyLeaves, s.sellLeaves)
      const next = own
        ? worseSide(
            s.position,
            s.buyLeaves + (side === "buy" ? addLeaves : 0),
            s.sellLeaves + (side === "sell" ? addLeaves : 0)
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
        return reject("BUYING_POWER", `no price to value ${s.spec.instrument.id} for margin`)
      } else {
        // Never traded nor marked: only working orders, valued at their own prices.
        a = safeConvert(this.fx, basisPoints(s.workingNotional, rate), s.spec.currency, account.base)
        b = a
      }
      if (a === undefined || b === undefined) {
        return reject("BUYING_POWER", this.noRate(s.spec.currency.code, account.scope))
      }
      before += a
      after += b
    }
    if (after <= before) return undefined
    let equity: number
    try {
      equity = account.portfolio.equity()
    } catch {
      return reject("BUYING_POWER", `cannot value the equity of ${account.scope.label} (missing FX rate)`)
    }
    return after > equity
      ? reject("BUYING_POWER", `initial margin would reach ${after} ${account.base.code}, equity is ${equity}`)
      : undefined
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

  private noRate(code: string, scope: ScopeState): string {
    return `no FX rate from ${code} to ${scope.currency.code} to value the order for ${scope.label}`
  }
}
