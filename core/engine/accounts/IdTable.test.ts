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
  it("agrees with a Map under random sets and deletes, across growth and backward shifts", () => {
    // Few distinct ids and a forced tiny hash make long probe runs, wrap-around and shifts likely.
    const op = fc.tuple(fc.constantFrom("set", "delete", "deleteIf"), fc.integer({ min: 0, max: 40 }), fc.nat(3))
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.boolean(), (ops, collide) => {
        const table = new IdTable<number>()
        const model = new Map<string, number>()
        const hash = (id: string) => (collide ? (idHash(id) & 7) + 1 : idHash(id))
        for (const [kind, n, value] of ops) {
          const id = `c${n}`
          if (kind === "set") {
            table.set(id, value, hash(id))
            model.set(id, value)
          } else if (kind === "delete") {
            table.delete(id, hash(id))
            model.delete(id)
          } else {
            table.delete(id, hash(id), value)
            if (model.get(id) === value) model.delete(id)
          }
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
})
