import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import { AAPL_INDEX, CASH, MARGIN, makeBench, type RequestFields, USD } from "../../../test/support/accounts/harness"
import { ExecutionCommand } from "../../domain/Commands"
import { AccountEvent } from "../../domain/Events"
import type { AccountId } from "../../domain/Ids"
import { isOpen, isTerminal, type Order } from "../../domain/Order"

/** The fixed mark, and the price of every fill, so that cash + position value only moves by fees. */
const P = 15_000
const DEPOSIT = 1_000_000_000

const pick = fc.nat({ max: 1_000 })
const account = fc.constantFrom(CASH, MARGIN)
const action = fc.oneof(
  fc.record({
    kind: fc.constant("submit" as const),
    account,
    side: fc.constantFrom("buy" as const, "sell" as const),
    market: fc.boolean(),
    quantity: fc.integer({ min: 1, max: 20 }),
    offset: fc.integer({ min: -50, max: 50 })
  }),
  fc.record({
    kind: fc.constantFrom("OCO" as const, "OTO" as const),
    account,
    quantity: fc.integer({ min: 1, max: 20 })
  }),
  fc.record({ kind: fc.constantFrom("cancel" as const, "accept" as const, "venueCancel" as const), pick }),
  fc.record({ kind: fc.constantFrom("venueExpire" as const, "venueReject" as const), pick }),
  fc.record({
    kind: fc.constantFrom("replace" as const, "venueReplace" as const),
    pick,
    quantity: fc.integer({ min: 1, max: 25 })
  }),
  fc.record({
    kind: fc.constant("fill" as const),
    pick,
    quantity: fc.integer({ min: 1, max: 25 }),
    fee: fc.integer({ min: 0, max: 50 })
  })
)

describe("AccountsEngine under random command sequences", () => {
  it("keeps its invariants", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        const b = makeBench()
        b.deposit(DEPOSIT)
        b.deposit(DEPOSIT, MARGIN)
        b.mark(AAPL_INDEX, P)
        /** Every client order id tried, with its account. */
        const ids: Array<[string, AccountId]> = []
        const closed = new Map<string, Order>()
        let n = 0

        const target = (i: number) => ids[i % Math.max(ids.length, 1)]
        const orderIdOf = (i: number) => {
          const t = target(i)
          const order = t === undefined ? undefined : b.order(t[0], t[1])
          return order === undefined || t === undefined ? undefined : ([order.orderId, t[1]] as const)
        }
        const limit = (offset: number) => P + offset

        for (const a of actions) {
          switch (a.kind) {
            case "submit": {
              const id = `c${++n}`
              ids.push([id, a.account])
              const fields: RequestFields = a.market
                ? { id, account: a.account, side: a.side, type: "market", quantity: a.quantity as never }
                : {
                    id,
                    account: a.account,
                    side: a.side,
                    quantity: a.quantity as never,
                    limitPrice: limit(a.offset) as never
                  }
              b.submit(fields)
              break
            }
            case "OCO":
            case "OTO": {
              const first = `c${++n}`
              const second = `c${++n}`
              ids.push([first, a.account], [second, a.account])
              b.submitList(
                a.kind,
                [
                  { id: first, account: a.account, quantity: a.quantity as never, limitPrice: (P - 10) as never },
                  { id: second, account: a.account, quantity: a.quantity as never, limitPrice: (P - 20) as never }
                ],
                `L${n}`
              )
              break
            }
            case "cancel": {
              const t = target(a.pick)
              if (t !== undefined) b.cancel(t[0], t[1])
              break
            }
            case "replace": {
              const t = target(a.pick)
              if (t !== undefined) b.replace(t[0], { quantity: a.quantity }, t[1])
              break
            }
            default: {
              const o = orderIdOf(a.pick)
              if (o === undefined) break
              const [orderId, acc] = o
              if (a.kind === "accept") b.accept(orderId, acc)
              if (a.kind === "venueCancel") b.venueCancel(orderId, acc)
              if (a.kind === "venueExpire") b.venueExpire(orderId, acc)
              if (a.kind === "venueReject") b.venueReject(orderId, "no", acc)
              if (a.kind === "venueReplace") b.venueReplace(orderId, a.quantity, {}, acc)
              if (a.kind === "fill") b.fill(orderId, a.quantity, P, a.fee, acc)
            }
          }

          // Orders: quantities stay consistent and closed orders never change.
          for (const [id, acc] of ids) {
            const order = b.order(id, acc)
            if (order === undefined) continue
            expect(order.filledQuantity).toBeLessThanOrEqual(order.quantity)
            expect(order.filledQuantity).toBeGreaterThanOrEqual(0)
            const key = `${acc}/${id}`
            const before = closed.get(key)
            if (before !== undefined) expect(order).toEqual(before)
            else if (isTerminal(order.status)) closed.set(key, order)
          }
          for (const acc of [CASH, MARGIN]) {
            const portfolio = b.engine.portfolio(acc)
            const open = b.engine.openOrders(acc)
            expect(open.every((o) => isOpen(o.status))).toBe(true)
            expect(open.length).toBe(
              ids.filter(([id, a]) => a === acc && isOpen(b.order(id, a)?.status ?? "rejected")).length
            )
            // Cash held = Σ open buys' leaves at their limit (market orders at the mark) on the cash account only.
            const held = open
              .filter((o) => o.side === "buy")
              .reduce((sum, o) => sum + (o.quantity - o.filledQuantity) * (o.limitPrice ?? P), 0)
            expect(portfolio.cash(USD).reserved).toBe(acc === CASH ? held : 0)
            // Conservation: cash + position at the mark + fees paid = deposits (fills at the mark, 1 cent a tick-lot).
            const fees = b.events.reduce(
              (sum, e) => sum + (e._tag === "OrderFilled" && e.accountId === acc ? e.fill.fee : 0),
              0
            )
            expect(portfolio.cash(USD).total + portfolio.positionQuantity(AAPL_INDEX) * P + fees).toBe(DEPOSIT)
          }
        }

        // Every stream counts 1, 2, 3, ... and every output is a valid domain value.
        for (const acc of [CASH, MARGIN]) {
          const sequences = b.events.filter((e) => e.accountId === acc).map((e) => e.sequence)
          expect(sequences).toEqual(sequences.map((_, i) => i + 1))
        }
        expect(b.events.every(Schema.is(AccountEvent))).toBe(true)
        expect(b.executions.every(Schema.is(ExecutionCommand))).toBe(true)
        // filledValue is Σ price × quantity of the order's fills.
        for (const [id, acc] of ids) {
          const order = b.order(id, acc)
          if (order === undefined) continue
          const fills = b.events.filter((e) => e._tag === "OrderFilled" && e.fill.orderId === order.orderId)
          const value = fills.reduce(
            (sum, e) => sum + (e._tag === "OrderFilled" ? e.fill.price * e.fill.quantity : 0),
            0
          )
          expect(order.filledValue).toBe(value)
        }
      }),
      { numRuns: 150, seed: 20_261_127 }
    )
  })
})
