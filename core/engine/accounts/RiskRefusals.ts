/**
 * The refusals of the pre-trade checks: a reason code and a sentence naming the figures. Built out of line, so that
 * the checks themselves stay small — V8 inlines a function only up to a bytecode size, and every message template
 * written inside a check counts against it on the path of every order that passes.
 *
 * @since 0.1.0
 */
import type { Instrument } from "../../domain/Instrument"
import type { OrderSide } from "../../domain/Order"
import type { RejectReason } from "../../domain/Reject"
import type { Rejection } from "./EventSink"
import type { RateWindow, ScopeState } from "./ScopeState"

const reject = (reason: RejectReason, message: string): Rejection => ({ reason, message })

export const belowMinimum = (quantity: number, instrument: Instrument): Rejection =>
  reject("INVALID_QUANTITY", `quantity ${quantity} is below ${instrument.id}'s minimum ${instrument.minQuantity}`)

export const aboveMaximum = (quantity: number, instrument: Instrument): Rejection =>
  reject("INVALID_QUANTITY", `quantity ${quantity} is above ${instrument.id}'s maximum ${instrument.maxQuantity}`)

export const inexact = (quantity: number, unitPrice: number): Rejection =>
  reject("PRECISION_LOSS", `${quantity} lots at ${unitPrice} ticks leaves the exact integer range`)

export const notReducing = (side: OrderSide, leaves: number, position: number): Rejection =>
  reject("REDUCE_ONLY", `a reduce-only ${side} of ${leaves} would open, increase or flip position ${position}`)

export const killed = (scope: ScopeState): Rejection =>
  reject("KILL_SWITCH", `the daily-loss kill switch of ${scope.label} is active: only reducing orders pass`)

/**
 * The refusal of an order adding leaves under a kill switch: the operator's stops every order, the daily-loss one
 * every order but a reducing one (undefined: it passes).
 */
export const switchedOff = (account: ScopeState, firm: ScopeState, reducing: boolean): Rejection | undefined => {
  if (account.halted || firm.halted) {
    const scope = account.halted ? account : firm
    return reject("KILL_SWITCH", `trading on ${scope.label} is halted by the operator's kill switch`)
  }
  return reducing ? undefined : killed(account.killed ? account : firm)
}

export const tooLarge = (quantity: number, scope: ScopeState): Rejection =>
  reject(
    "MAX_ORDER_QUANTITY",
    `quantity ${quantity} exceeds the ${scope.label} limit of ${scope.limits.maxOrderQuantity}`
  )

export const unpricedNotional = (scope: ScopeState): Rejection =>
  reject("MAX_NOTIONAL", `no price to value the order against the ${scope.label} notional limit`)

export const tooMuchNotional = (value: number, scope: ScopeState): Rejection =>
  reject("MAX_NOTIONAL", `notional ${value} exceeds the ${scope.label} limit of ${scope.limits.maxOrderNotional}`)

export const outsideBand = (price: number, last: number, scope: ScopeState): Rejection =>
  reject(
    "PRICE_BAND",
    `price ${price} is more than ${scope.limits.priceBand} bps from the last price ${last} (${scope.label})`
  )

export const beyondPosition = (position: number, side: OrderSide, projected: number, scope: ScopeState): Rejection =>
  reject(
    "POSITION_LIMIT",
    `position ${position} with open ${side} orders would reach ${projected}, beyond the ${scope.label} limit of ${scope.limits.maxPosition}`
  )

export const tooManyOpen = (scope: ScopeState): Rejection =>
  reject(
    "MAX_OPEN_ORDERS",
    `${scope.openOrders} orders are open, the ${scope.label} limit is ${scope.limits.maxOpenOrders}`
  )

export const unpricedExposure = (scope: ScopeState): Rejection =>
  reject("EXPOSURE_LIMIT", `no price to value the order against the ${scope.label} exposure limits`)

export const grossExposure = (gross: number, scope: ScopeState): Rejection =>
  reject(
    "EXPOSURE_LIMIT",
    `gross exposure would reach ${gross}, the ${scope.label} limit is ${scope.limits.maxGrossExposure}`
  )

export const netExposure = (net: number, scope: ScopeState): Rejection =>
  reject(
    "EXPOSURE_LIMIT",
    `net exposure would reach ${net}, the ${scope.label} limit is ${scope.limits.maxNetExposure}`
  )

export const tooFast = (scope: ScopeState, rate: RateWindow): Rejection =>
  reject("ORDER_RATE", `${scope.label} allows ${rate.max} orders per ${rate.window} µs`)

export const noRate = (reason: RejectReason, code: string, scope: ScopeState): Rejection =>
  reject(reason, `no FX rate from ${code} to ${scope.currency.code} to value the order for ${scope.label}`)

export const cashShortSale = (position: number, sellLeaves: number): Rejection =>
  reject("BUYING_POWER", `a cash account cannot sell short: position ${position}, open sells ${sellLeaves}`)

export const noReferencePrice = (): Rejection =>
  reject("NO_REFERENCE_PRICE", "no price yet to value a market order against free cash")

export const insufficientFunds = (needed: number, code: string, free: number): Rejection =>
  reject("INSUFFICIENT_FUNDS", `the order needs ${needed} ${code}, free cash is ${free}`)

export const unpricedMargin = (instrument: Instrument): Rejection =>
  reject("BUYING_POWER", `no price to value ${instrument.id} for margin`)

export const unvaluedEquity = (scope: ScopeState): Rejection =>
  reject("BUYING_POWER", `cannot value the equity of ${scope.label} (missing FX rate)`)

export const marginBeyondEquity = (margin: number, code: string, equity: number): Rejection =>
  reject("BUYING_POWER", `initial margin would reach ${margin} ${code}, equity is ${equity}`)
