import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { IdTable, idHash } from "./IdTable"

describe("idHash", () => {
  it("is FNV-1a 32-bit, never 0", () => {
    // FNV-1a("a") = 0xe40c292c, as a signed 32-bit integer -468965076.
    expect(idHash("a")).toBe(-468_965_076)
    expect(idHash("")).toBe(0x811c9dc5 | 0)
  })
})

describe("IdTable", () => {
  it("agrees with a Map under random sets and deletes, across growth and colliding probe runs", () => {
    // Few distinct ids and a forced tiny hash make long probe runs and wrap-around likely; value 3 deletes.
    const op = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.nat(3))
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.boolean(), (ops, collide) => {
        const table = new IdTable<number>()
        const model = new Map<string, number>()
        const hash = (id: string) => (collide ? (idHash(id) & 7) + 1 : idHash(id))
        for (const [n, value] of ops) {
          const id = `c${n}`
          if (value === 3) {
            // Half by id, half at the slot found first (as a caller that kept it does).
            if (n % 2 === 0 || !table.has(id, hash(id))) table.delete(id, hash(id))
            else table.deleteAt(table.set(id, -1, hash(id)))
            model.delete(id)
            expect(table.has(id, hash(id))).toBe(false)
            expect(table.size).toBe(model.size)
            continue
          }
          // A miss right before the set, as the duplicate check does: the remembered slot must stay right.
          table.has(id, hash(id))
          const slot = table.set(id, value, hash(id))
          model.set(id, value)
          expect(table.holds(slot, id)).toBe(true)
          expect(table.valueAt(slot)).toBe(value)
          expect(table.size).toBe(model.size)
        }
        for (let n = 0; n <= 40; n++) {
          const id = `c${n}`
          expect(table.has(id, hash(id))).toBe(model.has(id))
          expect(table.get(id, hash(id))).toBe(model.get(id))
        }
      }),
      { numRuns: 200 }
    )
  })

  it("changes a value in place at the slot `set` returned, until the table grows", () => {
    const table = new IdTable<string>(4)
    const slot = table.set("a", "x")
    table.setAt(slot, "y")
    expect(table.get("a")).toBe("y")
    // Capacity 4 holds 3 ids (3/4 full); the fourth doubles it and re-places every id.
    for (const id of ["b", "c", "d"]) table.set(id, id)
    expect(table.capacity).toBe(8)
    expect(table.get("a")).toBe("y")
    const moved = table.set("a", "z")
    expect(table.holds(moved, "a")).toBe(true)
    expect(table.valueAt(moved)).toBe("z")
  })
})
