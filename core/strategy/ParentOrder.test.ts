import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { AccountEvent } from "../domain/Events"
import type { AccountId, ClientOrderId, InstrumentId, OrderId } from "../domain/Ids"
import type { AccountsService, OrderInput } from "../services/Accounts"
import { type ChildEnd, ParentOrder } from "./ParentOrder"

/**
 * A fake account: `submit` numbers the orders and may refuse them at once, as pre-trade risk does; like the real
 * port, it delivers their events after the call returns (at the next `emit` or `settle`).
 */
const fakeAccounts = (refuse: (order: OrderInput) => boolean) => {
  const handlers: Array<(event: AccountEvent) => void> = []
  const sent: Array<OrderInput> = []
  const canceled: Array<ClientOrderId> = []
  const queued: Array<Record<string, unknown>> = []
  const settle = () => {
    for (const event of queued.splice(0)) {
      for (const h of handlers) h({ sequence: 1, ts: 0, accountId: "acc", ...event } as unknown as AccountEvent)
    }
  }
  const emit = (event: Record<string, unknown>) => {
    queued.push(event)
    settle()
  }
  let next = 0
  const service = {
    accountId: "acc" as AccountId,
    submit: (order: OrderInput) => {
      const clientOrderId = `c${++next}` as ClientOrderId
      sent.push(order)
      if (refuse(order))
        queued.push({ _tag: "OrderRejected", clientOrderId, reason: "MAX_ORDER_QUANTITY", message: "too big" })
      else queued.push({ _tag: "OrderSubmitted", order: { ...order, clientOrderId, orderId: `o${next}` } })
      return clientOrderId
    },
    cancel: (clientOrderId: ClientOrderId) => {
      canceled.push(clientOrderId)
    },
    subscribe: (handler: (event: AccountEvent) => void) => Effect.sync(() => handlers.push(handler))
  } as unknown as AccountsService
  const fill = (n: number, quantity: number, status: "filled" | "partially-filled") =>
    emit({ _tag: "OrderFilled", fill: { clientOrderId: `c${n}`, quantity }, status, leavesQuantity: 0 })
  return { service, sent, canceled, emit, fill, settle }
}

const makeParent = (accounts: AccountsService, ends: Array<string>) =>
  Effect.scoped(
    ParentOrder.make(accounts, {
      instrumentId: "X.SIM" as InstrumentId,
      side: "buy",
      quantity: 10,
      limitPrice: 500,
      onChildEnd: (end: ChildEnd, requested: boolean) => ends.push(`${end}${requested ? " (requested)" : ""}`),
      onFinish: (status) => ends.push(`parent ${status}`)
    })
  )

describe("ParentOrder", () => {
  it.effect("follows its child through fills and cancels, ignores other orders, and finishes when filled", () =>
    Effect.gen(function* () {
      const ends: Array<string> = []
      const accounts = fakeAccounts(() => false)
      const parent = yield* makeParent(accounts.service, ends)
      parent.send(4)
      parent.send(4) // a child is working: nothing sent
      expect(accounts.sent).toEqual([
        { instrumentId: "X.SIM", side: "buy", type: "limit", quantity: 4, limitPrice: 500, timeInForce: "GTC" }
      ])
      accounts.fill(99, 3, "filled") // someone else's order
      accounts.fill(1, 1, "partially-filled")
      expect([parent.filled, parent.childLeaves]).toEqual([1, 3])
      parent.cancelChild()
      parent.cancelChild() // already canceling
      expect(accounts.canceled).toEqual(["c1"])
      accounts.emit({ _tag: "OrderCanceled", orderId: "o1" as OrderId })
      expect(ends).toEqual(["canceled (requested)"])
      parent.send(100) // capped at the 9 remaining
      expect(accounts.sent[1]?.quantity).toBe(9)
      accounts.fill(2, 9, "filled")
      expect(ends).toEqual(["canceled (requested)", "parent filled"])
      expect(parent.status).toBe("filled")
      parent.send(1)
      expect(accounts.sent).toHaveLength(2)
    })
  )

  it.effect("sees its child refused by pre-trade risk", () =>
    Effect.gen(function* () {
      const ends: Array<string> = []
      const accounts = fakeAccounts((order) => order.quantity > 5)
      const parent = yield* makeParent(accounts.service, ends)
      parent.send(8)
      accounts.settle()
      expect(ends).toEqual(["rejected"])
      expect(parent.hasChild).toBe(false)
      parent.send(5)
      expect(parent.hasChild).toBe(true)
    })
  )

  it.effect("when stopped, cancels its child, sends nothing more, but still counts late fills", () =>
    Effect.gen(function* () {
      const ends: Array<string> = []
      const accounts = fakeAccounts(() => false)
      const parent = yield* makeParent(accounts.service, ends)
      parent.send(10)
      parent.stop("canceled")
      expect(accounts.canceled).toEqual(["c1"])
      accounts.fill(1, 2, "partially-filled") // filled before the cancel reached the venue
      accounts.emit({ _tag: "OrderCanceled", orderId: "o1" as OrderId })
      expect(parent.filled).toBe(2)
      expect(ends).toEqual(["parent canceled"])
      parent.send(1)
      expect(accounts.sent).toHaveLength(1)
    })
  )

  it.effect("cancels its working child when the strategy stops", () =>
    Effect.gen(function* () {
      const accounts = fakeAccounts(() => false)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const parent = yield* ParentOrder.make(accounts.service, {
            instrumentId: "X.SIM" as InstrumentId,
            side: "sell",
            quantity: 3
          })
          parent.send(3)
          expect(accounts.sent[0]).toMatchObject({ type: "market", quantity: 3 })
        })
      )
      expect(accounts.canceled).toEqual(["c1"])
    })
  )
})
