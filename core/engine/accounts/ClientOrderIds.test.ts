import { describe, expect, it } from "@effect/vitest"
import type { ClientOrderId } from "../../domain/Ids"
import { ClientOrderIds } from "./ClientOrderIds"
import type { OrderRecord } from "./OrderRecord"

const id = (s: string) => s as ClientOrderId
/** The fields `ClientOrderIds` reads and writes of a record: its client order id, its n, its table slot. */
const record = (clientOrderId: string, seq: number) => ({ clientOrderId, seq, idSlot: 0 }) as unknown as OrderRecord
const inUse = (ids: ClientOrderIds, names: ReadonlyArray<string>) => names.map((n) => ids.used(id(n)))

describe("ClientOrderIds", () => {
  it("keeps a closed or refused id in use until at least `window` (fewer than 2 × window) more were used", () => {
    const ids = new ClientOrderIds(2, 0)
    ids.use(id("a"), null) // refused
    const b = record("b", 1)
    ids.use(id("b"), b)
    expect(ids.lookup(id("b"))).toBe(b)
    expect(ids.closedOrder(b)).toBe(1) // keep 0: forgotten at once, its id still in use
    expect(ids.lookup(id("b"))).toBeNull()
    ids.use(id("c"), null) // generation {a, b} becomes the older
    ids.use(id("d"), null)
    expect(inUse(ids, ["a", "b", "c", "d"])).toEqual([true, true, true, true]) // 3 used after a: fewer than 4
    ids.use(id("e"), null) // {a, b} is dropped
    expect(inUse(ids, ["a", "b", "c", "d", "e"])).toEqual([false, false, true, true, true])
    expect(ids.lookup(id("a"))).toBeUndefined()
  })

  it("never drops the id of an open order or of a child it holds", () => {
    const open = record("open", 1)
    const ids = new ClientOrderIds(1, 0)
    ids.use(id("open"), open)
    ids.hold(id("child"))
    for (const n of ["x", "y", "z"]) ids.use(id(n), null)
    expect(inUse(ids, ["open", "child", "x", "z"])).toEqual([true, true, false, true])
    expect(ids.lookup(id("open"))).toBe(open)
    expect(ids.lookup(id("child"))).toBeNull()
    // Released, the child's order takes its id; once it and its parent close, both ids go after the window.
    const child = record("child", 2)
    ids.use(id("child"), child)
    expect(ids.lookup(id("child"))).toBe(child)
    ids.closedOrder(open)
    ids.closedOrder(child)
    for (const n of ["p", "q"]) ids.use(id(n), null)
    expect(inUse(ids, ["open", "child"])).toEqual([false, false])
  })

  it("keeps open orders' ids across many generations without copying them, and frees each after its close", () => {
    const ids = new ClientOrderIds(4, 0)
    const orders = Array.from({ length: 200 }, (_, n) => record(`o${n}`, n + 1))
    for (const order of orders) ids.use(order.clientOrderId, order)
    // Closing every third one deletes from the middle of probe runs of the long-lived ids: the others stay found.
    for (const order of orders.filter((_, n) => n % 3 === 0)) ids.closedOrder(order)
    orders.forEach((order, n) => {
      if (n % 3 !== 0) expect(ids.lookup(order.clientOrderId)).toBe(order)
    })
    for (let n = 0; n < 50; n++) ids.use(id(`x${n}`), null)
    orders.forEach((order, n) => {
      expect(ids.lookup(order.clientOrderId)).toBe(n % 3 === 0 ? undefined : order)
    })
  })

  it("ends a hold however many generations the child waited, when it is dropped", () => {
    const ids = new ClientOrderIds(2, 0)
    ids.hold(id("child"))
    for (const n of ["a", "b", "c", "d", "e"]) ids.use(id(n), null)
    expect(ids.used(id("child"))).toBe(true)
    ids.dropped(id("child"))
    for (const n of ["f", "g", "h"]) ids.use(id(n), null)
    expect(ids.used(id("child"))).toBe(true) // 3 used after it was dropped: fewer than 4
    ids.use(id("i"), null)
    expect(ids.used(id("child"))).toBe(false)
  })

  it("gives an order closing in the older generation a full window from its close", () => {
    const a = record("a", 1)
    const ids = new ClientOrderIds(2, 0)
    ids.use(id("a"), a)
    ids.use(id("x"), null)
    ids.use(id("y"), null) // {a, x} becomes the older; a is there already, nothing to carry
    ids.closedOrder(a) // a moves to the newer generation {y, a}
    ids.use(id("z"), null) // {a, x} dropped, {y, a} older
    ids.use(id("w"), null)
    expect(inUse(ids, ["a", "x"])).toEqual([true, false])
    ids.use(id("v"), null) // {y, a} dropped
    expect(ids.used(id("a"))).toBe(false)
  })

  it("keeps the latest `keep` closed orders and reports the n of the one it forgets", () => {
    const ids = new ClientOrderIds(10, 2)
    const [a, b, c] = [record("a", 1), record("b", 2), record("c", 3)]
    for (const r of [a, b, c]) ids.use(r.clientOrderId, r)
    expect(ids.closedOrder(a)).toBe(0)
    expect(ids.closedOrder(b)).toBe(0)
    expect(ids.lookup(id("a"))).toBe(a)
    expect(ids.closedOrder(c)).toBe(1) // a goes
    expect(ids.lookup(id("a"))).toBeNull() // still in use (window 10), no longer kept
    expect(ids.lookup(id("c"))).toBe(c)
  })

  it("forgetting an old order of a reused id leaves the new one kept", () => {
    const ids = new ClientOrderIds(1, 2)
    const first = record("a", 1)
    ids.use(id("a"), first)
    ids.closedOrder(first)
    ids.use(id("x"), null)
    ids.use(id("y"), null)
    expect(ids.used(id("a"))).toBe(false)
    const second = record("a", 2)
    ids.use(id("a"), second)
    ids.closedOrder(second)
    const third = record("q", 3)
    ids.use(id("q"), third)
    expect(ids.closedOrder(third)).toBe(1) // the first "a" leaves the kept ring, the second stays
    expect(ids.lookup(id("a"))).toBe(second)
  })

  it("never answers a reused id with an older kept order of the same id", () => {
    // keep > window: the first "a" stays kept after its id is free again.
    const ids = new ClientOrderIds(1, 10)
    const first = record("a", 1)
    ids.use(id("a"), first)
    ids.closedOrder(first)
    for (const n of ["x", "y"]) ids.use(id(n), null) // "a" is free again
    ids.use(id("a"), null) // used again by a refused request
    expect(ids.lookup(id("a"))).toBeNull()
    for (const n of ["p", "q"]) ids.use(id(n), null)
    const second = record("a", 2)
    ids.use(id("a"), second) // and again by an order that closes
    ids.closedOrder(second)
    expect(ids.lookup(id("a"))).toBe(second)
  })

  it("forgets a kept order whose id moved when its table grew", () => {
    const ids = new ClientOrderIds(100, 1)
    const [a, b] = [record("a", 1), record("b", 2)]
    ids.use(id("a"), a)
    ids.closedOrder(a)
    // 16 slots hold 12 ids: 20 more double the table twice, re-placing "a".
    for (let n = 0; n < 20; n++) ids.use(id(`x${n}`), null)
    ids.use(id("b"), b)
    expect(ids.lookup(id("a"))).toBe(a)
    expect(ids.closedOrder(b)).toBe(1)
    expect(ids.lookup(id("a"))).toBeNull() // still in use, no longer kept
    expect(ids.lookup(id("b"))).toBe(b)
  })
})
