/**
 * The simulated `MarketData` and `Accounts` ports of a backtest: thin adapters over the replay's handler tables
 * and the in-process Accounts engine.
 */
import type { ReplaceOrder, SubmitOrder, SubmitOrderList } from "../../domain/Commands"
import type { AccountEvent } from "../../domain/Events"
import type { AccountId, ClientOrderId, CurrencyCode, InstrumentId, StrategyId } from "../../domain/Ids"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import type { OrderRequest } from "../../domain/Order"
import type { Timestamp } from "../../domain/Units"
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
  // Object.assign rather than a spread followed by more fields: V8 gives each such literal fresh hidden classes
  // from orders of several shapes, which cost ~7 µs an order (25 times an assign) on a long run.
  const request = (order: OrderInput): OrderRequest =>
    Object.assign(
      {},
      order as Omit<OrderRequest, "accountId" | "clientOrderId" | "strategyId" | "reduceOnly" | "postOnly">,
      {
        accountId,
        strategyId,
        clientOrderId: `${strategyId}-${++next}` as ClientOrderId,
        reduceOnly: order.reduceOnly ?? false,
        postOnly: order.postOnly ?? false
      }
    )
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
