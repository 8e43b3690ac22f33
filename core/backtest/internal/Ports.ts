/**
 * The simulated `MarketData` and `Accounts` ports of a backtest: thin adapters over the replay's handler tables
 * and the in-process Accounts engine.
 */
import { Effect, type Scope } from "effect"
import type { ReplaceOrder, SubmitOrder, SubmitOrderList } from "../../domain/Commands"
import type { AccountEvent } from "../../domain/Events"
import type { AccountId, ClientOrderId, CurrencyCode, InstrumentId, StrategyId } from "../../domain/Ids"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import type { OrderRequest } from "../../domain/Order"
import type { Timestamp } from "../../domain/Units"
import type { AccountsEngine } from "../../engine/accounts/AccountsEngine"
import type { AccountsService, OrderInput } from "../../services/Accounts"
import { MarketDataError, type MarketDataHandlers, type MarketDataService } from "../../services/MarketData"
import type { SimulatedClock } from "../SimulatedClock"

/** Handlers per instrument index, called by the replay loop. */
export interface HandlerTables {
  readonly quote: Array<Array<NonNullable<MarketDataHandlers["onQuote"]>>>
  readonly trade: Array<Array<NonNullable<MarketDataHandlers["onTrade"]>>>
  readonly bar: Array<Array<NonNullable<MarketDataHandlers["onBar"]>>>
  readonly book: Array<Array<NonNullable<MarketDataHandlers["onBook"]>>>
  readonly account: Array<(event: AccountEvent) => void>
}

export const makeHandlerTables = (instruments: number): HandlerTables => ({
  quote: Array.from({ length: instruments }, () => []),
  trade: Array.from({ length: instruments }, () => []),
  bar: Array.from({ length: instruments }, () => []),
  book: Array.from({ length: instruments }, () => []),
  account: []
})

/** Add `handler` to `list` for as long as the caller's scope lives. */
const register = <H>(list: Array<H>, handler: H | undefined): Effect.Effect<void, never, Scope.Scope> =>
  handler === undefined
    ? Effect.void
    : Effect.acquireRelease(
        Effect.sync(() => list.push(handler)),
        () =>
          Effect.sync(() => {
            const at = list.indexOf(handler)
            if (at >= 0) list.splice(at, 1)
          })
      )

export const makeMarketData = (specs: InstrumentSpecs, tables: HandlerTables): MarketDataService => ({
  instruments: specs.list.map((s) => s.instrument),
  spec: (instrumentId) => specs.byId.get(instrumentId),
  subscribe: (instrumentId, handlers) =>
    Effect.suspend(() => {
      const spec = specs.byId.get(instrumentId)
      if (spec === undefined) {
        return Effect.fail(
          new MarketDataError({ reason: "UnknownInstrument", message: `${instrumentId} is not in this backtest` })
        )
      }
      return Effect.all([
        register(tables.quote[spec.index]!, handlers.onQuote),
        register(tables.trade[spec.index]!, handlers.onTrade),
        register(tables.bar[spec.index]!, handlers.onBar),
        register(tables.book[spec.index]!, handlers.onBook)
      ]).pipe(Effect.asVoid)
    })
})

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
    subscribe: (handler) => register(tables.account, handler)
  }
}
