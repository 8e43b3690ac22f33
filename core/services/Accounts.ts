/**
 * The `Accounts` port: how a strategy trades. The Accounts Service is authoritative; a strategy sends commands and
 * learns their outcome from the account's events (accepted, filled, rejected, ...).
 *
 * Trading calls are synchronous and never block: they hand the command to the service and return the client
 * order id, so they can be made from a market data handler. Live, the command goes out on the wire; in a backtest,
 * to the in-process engine — the strategy cannot tell which. Account events reach the handlers only after the call
 * that caused them returned, in the account's sequence, each engine call's events together: a handler that sends an
 * order sees it checked against the state after the whole event it reacts to (a fill is booked, with its position,
 * cash and kill switch, before an order sent from its `OrderFilled` handler is checked).
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Scope } from "effect"
import type { AccountEvent } from "../domain/Events"
import type { AccountId, ClientOrderId, InstrumentId } from "../domain/Ids"
import type { Order, OrderRequest } from "../domain/Order"

type Unbranded<T> = { readonly [K in keyof T]: NonNullable<T[K]> extends number ? number : T[K] }

/**
 * An order as a strategy writes it, with plain numbers for ticks, lots and time: the account, client order id and
 * strategy id are filled in by the port, and the Accounts Service validates the rest. Any `OrderType` goes, with the
 * fields it needs, e.g. `{ type: "market-if-touched", stopPrice }` (the trigger), `{ type: "trailing-stop-limit",
 * trailingOffset, limitOffset }`, `{ type: "market-on-close", timeInForce: "DAY" }`.
 */
export type OrderInput = Unbranded<
  Omit<OrderRequest, "accountId" | "clientOrderId" | "strategyId" | "reduceOnly" | "postOnly">
> & {
  readonly reduceOnly?: boolean
  readonly postOnly?: boolean
}

export interface OrderChange {
  readonly quantity?: number
  readonly limitPrice?: number
  readonly stopPrice?: number
}

export interface AccountsService {
  readonly accountId: AccountId
  readonly submit: (order: OrderInput) => ClientOrderId
  /** Contingent orders: see `SubmitOrderList`. Returns the client order ids in list order. */
  readonly submitList: (
    contingency: "OCO" | "OTO" | "bracket",
    orders: ReadonlyArray<OrderInput>
  ) => ReadonlyArray<ClientOrderId>
  readonly cancel: (clientOrderId: ClientOrderId) => void
  readonly replace: (clientOrderId: ClientOrderId, change: OrderChange) => void
  /** Signed position in lots. */
  readonly position: (instrumentId: InstrumentId) => number
  /** Equity in minor units of the account's base currency, at the last marks. */
  readonly equity: () => number
  /** Free cash in minor units of `currency` (total less what working orders hold). */
  readonly freeCash: (currency: string) => number
  readonly openOrders: () => ReadonlyArray<Order>
  /** Call `handler` for each of the account's events until the subscriber's scope closes. */
  readonly subscribe: (handler: (event: AccountEvent) => void) => Effect.Effect<void, never, Scope.Scope>
}

export class Accounts extends Context.Tag("@meridian/core/Accounts")<Accounts, AccountsService>() {}
