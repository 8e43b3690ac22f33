/**
 * The live `Accounts` port of one strategy: queries read the account's mirror (`AccountMirror`); trading calls
 * return at once and hand a `ShardInput` to `send`, which the service delivers to the Accounts Service once the
 * input that caused it is journaled. Client order ids are `<strategy instance id>-<n>`, counted per instance as the
 * backtest counts them, so a replay of the same inputs after a restart makes the same ids and the Accounts Service
 * answers a resend with the original outcome. Account events reach the handlers through the service (`deliver`),
 * never from inside a trading call.
 *
 * @since 0.1.0
 */
import type { CancelOrder, ReplaceOrder, SubmitOrder, SubmitOrderList } from "../../domain/Commands"
import type { AccountEvent } from "../../domain/Events"
import type { ClientOrderId, CurrencyCode, StrategyId } from "../../domain/Ids"
import type { OrderRequest } from "../../domain/Order"
import type { Timestamp } from "../../domain/Units"
import type { AccountsService, OrderInput } from "../../services/Accounts"
import { registerScoped } from "../../services/internal/handlerTables"
import type { AccountMirror } from "./AccountMirror"

export type AccountsInput = SubmitOrder | SubmitOrderList | CancelOrder | ReplaceOrder

export interface LiveAccountsOptions {
  readonly mirror: AccountMirror
  readonly strategyId: StrategyId
  /** The session's time, µs. */
  readonly now: () => number
  /** Deliver a command to the Accounts Service (after the current input is journaled). */
  readonly send: (input: AccountsInput) => void
}

export class LiveAccounts {
  readonly service: AccountsService
  private readonly handlers: Array<(event: AccountEvent) => void> = []
  private next = 0

  constructor(options: LiveAccountsOptions) {
    const { mirror, strategyId, now, send } = options
    const accountId = mirror.accountId
    const request = (order: OrderInput): OrderRequest =>
      Object.assign({}, order as Omit<OrderRequest, "accountId" | "clientOrderId" | "strategyId">, {
        accountId,
        strategyId,
        clientOrderId: `${strategyId}-${++this.next}` as ClientOrderId,
        reduceOnly: order.reduceOnly ?? false,
        postOnly: order.postOnly ?? false
      })
    const ts = () => now() as Timestamp
    this.service = {
      accountId,
      submit: (order) => {
        const command: SubmitOrder = { _tag: "SubmitOrder", request: request(order), ts: ts() }
        mirror.addPending(command.request, command.ts)
        send(command)
        return command.request.clientOrderId
      },
      submitList: (contingency, orders) => {
        const [first, ...rest] = orders.map(request)
        if (first === undefined) return []
        // The backtest's list id: the strategy's and its counter after the list's orders.
        const command: SubmitOrderList = {
          _tag: "SubmitOrderList",
          listId: `${strategyId}-list-${this.next}`,
          contingency,
          orders: [first, ...rest],
          ts: ts()
        }
        for (const order of command.orders) mirror.addPending(order, command.ts)
        send(command)
        return command.orders.map((o) => o.clientOrderId)
      },
      cancel: (clientOrderId) => send({ _tag: "CancelOrder", accountId, clientOrderId, ts: ts() }),
      replace: (clientOrderId, change) =>
        send({
          _tag: "ReplaceOrder",
          accountId,
          clientOrderId,
          ts: ts(),
          ...(change as Pick<ReplaceOrder, "quantity" | "limitPrice" | "stopPrice">)
        }),
      position: (instrumentId) => mirror.position(instrumentId),
      equity: () => mirror.equity(),
      freeCash: (currency) => mirror.freeCash(currency as CurrencyCode),
      openOrders: () => mirror.openOrders(),
      subscribe: (handler) => registerScoped(this.handlers, handler)
    }
  }

  /** Hand an account event to the strategy's handlers (the mirror already holds it). */
  deliver(event: AccountEvent): void {
    const handlers = this.handlers
    for (let h = 0; h < handlers.length; h++) handlers[h]!(event)
  }
}
