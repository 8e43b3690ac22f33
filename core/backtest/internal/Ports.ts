/**
 * The simulated `MarketData` and `Accounts` ports of a backtest: thin adapters over the replay's handler tables
 * and the in-process Accounts engine.
 */
import type { ReplaceOrder, SubmitOrder, SubmitOrderList } from "../../domain/Commands"
import type { AccountEvent } from "../../domain/Events"
import type { AccountId, ClientOrderId, CurrencyCode, InstrumentId, StrategyId } from "../../domain/Ids"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import type { OrderRequest } from "../../domain/Order"
import type { Lots, Ticks, Timestamp } from "../../domain/Units"
import type { AccountsEngine } from "../../engine/accounts/AccountsEngine"
import type { AccountsService, OrderInput } from "../../services/Accounts"
import {
  type MarketHandlerTables,
  makeMarketDataPort,
  makeMarketHandlerTables,
  registerScoped
} from "../../services/internal/handlerTables"
import type { MarketDataService } from "../../services/MarketData"
import type { SimulatedClock } from "../SimulatedClock"

/** Handlers per instrument index, called by the replay loop, and the account handlers. */
export interface HandlerTables extends MarketHandlerTables {
  readonly account: Array<(event: AccountEvent) => void>
}

export const makeHandlerTables = (instruments: number): HandlerTables => ({
  ...makeMarketHandlerTables(instruments),
  account: []
})

export const makeMarketData = (specs: InstrumentSpecs, tables: HandlerTables): MarketDataService =>
  makeMarketDataPort(specs, tables, "backtest")

export const makeAccounts = (options: {
  readonly engine: AccountsEngine
  readonly specs: InstrumentSpecs
  readonly accountId: AccountId
  readonly strategyId: StrategyId
  readonly clock: SimulatedClock
  readonly tables: HandlerTables
}): AccountsService => {
  const { engine, specs, accountId, strategyId, clock, tables } = options
  let next = 0
  const now = () => clock.now as Timestamp
  // One literal of one shape with every required field, then the optional fields the order has: the engine reads
  // requests of one hidden class, where Object.assign of the strategy's literals of several shapes went through a
  // generic copy (~0.6 µs an order) and made the engine's reads of them polymorphic.
  const request = (order: OrderInput): OrderRequest => {
    const r: { -readonly [K in keyof OrderRequest]: OrderRequest[K] } = {
      clientOrderId: `${strategyId}-${++next}` as ClientOrderId,
      accountId,
      strategyId,
      instrumentId: order.instrumentId as InstrumentId,
      side: order.side,
      type: order.type,
      quantity: order.quantity as Lots,
      timeInForce: order.timeInForce,
      reduceOnly: order.reduceOnly ?? false,
      postOnly: order.postOnly ?? false
    }
    if (order.limitPrice !== undefined) r.limitPrice = order.limitPrice as Ticks
    if (order.stopPrice !== undefined) r.stopPrice = order.stopPrice as Ticks
    if (order.trailingOffset !== undefined)
      r.trailingOffset = order.trailingOffset as NonNullable<OrderRequest["trailingOffset"]>
    if (order.limitOffset !== undefined) r.limitOffset = order.limitOffset as NonNullable<OrderRequest["limitOffset"]>
    if (order.expireAt !== undefined) r.expireAt = order.expireAt as Timestamp
    if (order.displayQuantity !== undefined) r.displayQuantity = order.displayQuantity as Lots
    if (order.notionalLimit !== undefined)
      r.notionalLimit = order.notionalLimit as NonNullable<OrderRequest["notionalLimit"]>
    if (order.fundsShare !== undefined) r.fundsShare = order.fundsShare as NonNullable<OrderRequest["fundsShare"]>
    return r
  }
  const indexOf = (instrumentId: InstrumentId): number => specs.byId.get(instrumentId)?.index ?? -1
  return {
    accountId,
    submit: (order) => {
      const command: SubmitOrder = { _tag: "SubmitOrder", request: request(order), ts: now() }
      engine.submit(command)
      return command.request.clientOrderId
    },
    submitList: (contingency, orders) => {
      const requests = orders.map(request)
      const [first, ...rest] = requests
      if (first === undefined) return []
      const command: SubmitOrderList = {
        _tag: "SubmitOrderList",
        listId: `${strategyId}-list-${next}`,
        contingency,
        orders: [first, ...rest],
        ts: now()
      }
      engine.submitList(command)
      return requests.map((r) => r.clientOrderId)
    },
    cancel: (clientOrderId) => engine.cancel({ _tag: "CancelOrder", accountId, clientOrderId, ts: now() }),
    replace: (clientOrderId, change) =>
      engine.replace({
        _tag: "ReplaceOrder",
        accountId,
        clientOrderId,
        ts: now(),
        ...(change as Pick<ReplaceOrder, "quantity" | "limitPrice" | "stopPrice">)
      }),
    position: (instrumentId) => {
      const index = indexOf(instrumentId)
      return index < 0 ? 0 : engine.portfolio(accountId).positionQuantity(index)
    },
    equity: () => engine.portfolio(accountId).equity(),
    freeCash: (currency) => engine.portfolio(accountId).freeCash(currency as CurrencyCode),
    openOrders: () => engine.openOrders(accountId),
    subscribe: (handler) => registerScoped(tables.account, handler)
  }
}
