/**
 * A test bench for the Accounts engine: the fixture instruments, a cash and a margin account, and helpers that
 * build commands and venue reports and collect what the engine emits.
 */

import type { ExecutionCommand, ExecutionReport, SubmitOrderList } from "../../../core/domain/Commands"
import type { AccountEvent } from "../../../core/domain/Events"
import type {
  AccountId,
  ClientOrderId,
  CurrencyCode,
  OrderId,
  StrategyId,
  TradeId,
  VenueOrderId
} from "../../../core/domain/Ids"
import { makeSpecs } from "../../../core/domain/InstrumentSpec"
import { hasLimitPrice, type OrderRequest } from "../../../core/domain/Order"
import type { Account } from "../../../core/domain/Portfolio"
import type { RiskLimits, RiskScope } from "../../../core/domain/Risk"
import { lots, MICROS_PER_DAY, minor, type Timestamp, ticks, timestamp } from "../../../core/domain/Units"
import { AccountsEngine } from "../../../core/engine/accounts/AccountsEngine"
import type { Refusal } from "../../../core/engine/accounts/EventSink"
import { FxRates } from "../../../core/engine/portfolio/FxRates"
import { AAPL, BTCUSDT, currencies, ES } from "../../fixtures/instruments"

export const CASH = "cash-1" as AccountId
export const MARGIN = "margin-1" as AccountId
export const USD = "USD" as CurrencyCode
/** Instrument indices in the bench's specs. */
export const AAPL_INDEX = 0
export const ES_INDEX = 1
/** 10:00 UTC on some day: far from midnight in both directions. */
export const T0 = 19_700 * MICROS_PER_DAY + 10 * 3_600_000_000

const accounts: ReadonlyArray<Account> = [
  { id: CASH, name: "Cash", kind: "cash", baseCurrency: USD },
  { id: MARGIN, name: "Margin", kind: "margin", baseCurrency: USD }
]

export type RequestFields = Partial<
  Omit<OrderRequest, "clientOrderId" | "accountId" | "instrumentId" | "strategyId">
> & {
  readonly id: string
  readonly account?: AccountId
  readonly instrument?: "AAPL" | "ES"
  readonly strategy?: string
}

/** An order request with defaults: a GTC limit buy of 10 AAPL at 150.00 on the cash account. */
export const request = (fields: RequestFields): OrderRequest => {
  const { id, account, instrument, strategy, ...rest } = fields
  const type = rest.type ?? "limit"
  const base: OrderRequest = {
    clientOrderId: id as ClientOrderId,
    accountId: account ?? CASH,
    instrumentId: instrument === "ES" ? ES.id : AAPL.id,
    side: "buy",
    type,
    quantity: lots(10),
    timeInForce: "GTC",
    reduceOnly: false,
    postOnly: false,
    ...(hasLimitPrice(type) ? { limitPrice: ticks(15_000) } : {}),
    ...rest
  }
  return strategy === undefined ? base : { ...base, strategyId: strategy as StrategyId }
}

export const makeBench = (
  options: { readonly prefix?: string; readonly keepClosedOrders?: number; readonly duplicateWindow?: number } = {}
) => {
  const specs = makeSpecs([AAPL, ES, BTCUSDT], currencies)
  const events: Array<AccountEvent> = []
  const executions: Array<ExecutionCommand> = []
  const refusals: Array<Refusal> = []
  const engine = new AccountsEngine({
    specs,
    accounts,
    fx: new FxRates(),
    output: {
      event: (e) => events.push(e),
      execution: (c) => executions.push(c),
      refusal: (r) => refusals.push(r)
    },
    ...(options.prefix === undefined ? {} : { orderIdPrefix: options.prefix }),
    ...(options.keepClosedOrders === undefined ? {} : { keepClosedOrders: options.keepClosedOrders }),
    ...(options.duplicateWindow === undefined ? {} : { duplicateWindow: options.duplicateWindow })
  })
  let now = T0
  let trade = 0
  const ts = (): Timestamp => timestamp(++now)
  const header = (orderId: string, account: AccountId = CASH) => ({
    accountId: account,
    orderId: orderId as OrderId,
    ts: ts()
  })
  const report = (r: ExecutionReport) => engine.report(r)

  return {
    engine,
    specs,
    events,
    executions,
    refusals,
    /** Advance the clock to `t` (µs). */
    at: (t: number) => {
      now = t
    },
    now: () => now,
    lastRefusal: () => engine.lastRefusal,
    ts,
    submit: (fields: RequestFields) => engine.submit({ _tag: "SubmitOrder", request: request(fields), ts: ts() }),
    submitList: (contingency: SubmitOrderList["contingency"], orders: ReadonlyArray<RequestFields>, listId = "L1") =>
      engine.submitList({
        _tag: "SubmitOrderList",
        listId,
        contingency,
        orders: orders.map(request) as unknown as SubmitOrderList["orders"],
        ts: ts()
      }),
    cancel: (id: string, account: AccountId = CASH) =>
      engine.cancel({ _tag: "CancelOrder", accountId: account, clientOrderId: id as ClientOrderId, ts: ts() }),
    replace: (id: string, change: { quantity?: number; limitPrice?: number; stopPrice?: number }, account = CASH) =>
      engine.replace({
        _tag: "ReplaceOrder",
        accountId: account,
        clientOrderId: id as ClientOrderId,
        ts: ts(),
        ...(change.quantity === undefined ? {} : { quantity: lots(change.quantity) }),
        ...(change.limitPrice === undefined ? {} : { limitPrice: ticks(change.limitPrice) }),
        ...(change.stopPrice === undefined ? {} : { stopPrice: ticks(change.stopPrice) })
      }),
    accept: (orderId: string, account?: AccountId) =>
      report({ _tag: "VenueAccepted", ...header(orderId, account), venueOrderId: `V-${orderId}` as VenueOrderId }),
    fill: (orderId: string, quantity: number, price: number, fee = 0, account?: AccountId) =>
      report({
        _tag: "VenueFilled",
        ...header(orderId, account),
        tradeId: `T${++trade}` as TradeId,
        quantity: lots(quantity),
        price: ticks(price),
        fee: minor(fee),
        feeCurrency: USD,
        liquidity: "taker"
      }),
    venueCancel: (orderId: string, account?: AccountId) =>
      report({ _tag: "VenueCanceled", ...header(orderId, account) }),
    venueExpire: (orderId: string, account?: AccountId) =>
      report({ _tag: "VenueExpired", ...header(orderId, account) }),
    venueReject: (orderId: string, message = "no", account?: AccountId) =>
      report({ _tag: "VenueRejected", ...header(orderId, account), message }),
    venueReplace: (
      orderId: string,
      quantity: number,
      prices: { limitPrice?: number; stopPrice?: number } = {},
      account?: AccountId
    ) =>
      report({
        _tag: "VenueReplaced",
        ...header(orderId, account),
        quantity: lots(quantity),
        ...(prices.limitPrice === undefined ? {} : { limitPrice: ticks(prices.limitPrice) }),
        ...(prices.stopPrice === undefined ? {} : { stopPrice: ticks(prices.stopPrice) })
      }),
    deposit: (amount: number, account: AccountId = CASH) =>
      engine.deposit({
        _tag: "Deposit",
        accountId: account,
        currency: USD,
        amount: minor(amount),
        reference: "",
        ts: ts()
      }),
    withdraw: (amount: number, account: AccountId = CASH) =>
      engine.withdraw({
        _tag: "Withdraw",
        accountId: account,
        currency: USD,
        amount: minor(amount),
        reference: "",
        ts: ts()
      }),
    limits: (scope: RiskScope, limits: RiskLimits) =>
      engine.setRiskLimits({ _tag: "SetRiskLimits", scope, limits, ts: ts() }),
    mark: (index: number, price: number) => engine.mark(index, price, ts()),
    /** Tags of the events since index `from`. */
    tags: (from = 0) => events.slice(from).map((e) => e._tag),
    /** The last event, narrowed by tag. */
    last: <T extends AccountEvent["_tag"]>(tag: T): Extract<AccountEvent, { _tag: T }> => {
      const found = events.findLast((e) => e._tag === tag)
      if (found === undefined) throw new Error(`no ${tag} event`)
      return found as Extract<AccountEvent, { _tag: T }>
    },
    /** The order id the engine gave a client order id. */
    idOf: (clientOrderId: string, account: AccountId = CASH): string => {
      const order = engine.order(account, clientOrderId as ClientOrderId)
      if (order === undefined) throw new Error(`no order ${clientOrderId}`)
      return order.orderId
    },
    order: (clientOrderId: string, account: AccountId = CASH) => engine.order(account, clientOrderId as ClientOrderId)
  }
}

export type Bench = ReturnType<typeof makeBench>
