import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import { ShardInput } from "../ShardInput"
import { decodeHotInput } from "./fastInput"

const bySchema = Schema.decodeUnknownEither(ShardInput)

/** Equal values with their keys in the same order (the journal's record structures follow key order). */
const same = (a: unknown, b: unknown) => expect(JSON.stringify(a)).toBe(JSON.stringify(b))

const HOT = new Set(["SubmitOrder", "CancelOrder", "VenueAccepted", "VenueCanceled", "VenueFilled", "Mark"])

/** Values that break a field: wrong types, out of range, malformed ids, undefined in place of an absent field. */
const junk = fc.constantFrom<unknown>(
  undefined,
  null,
  "",
  "x",
  "not an id!",
  "AAPL",
  "a".repeat(200),
  -1,
  0,
  1.5,
  2 ** 53,
  Number.NaN,
  true,
  [],
  {},
  "limit",
  "GTD",
  "maker",
  10_001
)

/** An input with one field (at the top or in its request) set to junk, removed, or an unknown field added. */
const mutated = fc
  .tuple(Arbitrary.make(ShardInput), fc.nat(), junk, fc.constantFrom("set", "delete", "extra"))
  .map(([input, pick, value, how]) => {
    const copy = JSON.parse(JSON.stringify(input)) as Record<string, unknown>
    const target = typeof copy.request === "object" && pick % 2 === 0 ? (copy.request as Record<string, unknown>) : copy
    const keys = [...Object.keys(target), "limitPrice", "stopPrice", "expireAt", "strategyId"]
    const key = keys[pick % keys.length]!
    if (how === "delete") delete target[key]
    else if (how === "extra") target.unknownField = value
    else target[key] = value
    return copy
  })

describe("decodeHotInput", () => {
  it("decodes every valid hot input as Schema does, key order included", () => {
    fc.assert(
      fc.property(Arbitrary.make(ShardInput), (input) => {
        const wire = JSON.parse(JSON.stringify(input)) as unknown
        const expected = bySchema(wire)
        expect(Either.isRight(expected)).toBe(true)
        const fast = decodeHotInput(wire)
        if (HOT.has(input._tag)) {
          expect(fast).toBeDefined()
          same(fast, Either.getOrThrow(expected))
        } else expect(fast).toBeUndefined()
      }),
      { numRuns: 3_000 }
    )
  })

  it("never accepts what Schema refuses, and agrees on what both accept", () => {
    fc.assert(
      fc.property(mutated, (wire) => {
        const expected = bySchema(wire)
        const fast = decodeHotInput(wire)
        if (Either.isLeft(expected)) expect(fast).toBeUndefined()
        else if (fast !== undefined) same(fast, expected.right)
      }),
      { numRuns: 5_000 }
    )
  })

  it("drops unknown fields as Schema does", () => {
    const wire = {
      _tag: "SubmitOrder",
      ts: 5,
      extra: 1,
      request: {
        postOnly: false,
        reduceOnly: false,
        timeInForce: "GTC",
        limitPrice: 100,
        quantity: 3,
        type: "limit",
        side: "buy",
        instrumentId: "AAPL.XNAS",
        accountId: "a",
        clientOrderId: "c",
        note: "x"
      }
    }
    same(decodeHotInput(wire), Either.getOrThrow(bySchema(wire)))
  })

  it("leaves a present but undefined optional field to Schema, which refuses it", () => {
    const wire = { _tag: "Mark", instrumentId: "AAPL.XNAS", price: 1, ts: 0 }
    expect(decodeHotInput(wire)).toBeDefined()
    const submit = {
      _tag: "SubmitOrder",
      ts: 0,
      request: {
        clientOrderId: "c",
        accountId: "a",
        instrumentId: "AAPL.XNAS",
        side: "buy",
        type: "market",
        quantity: 1,
        limitPrice: undefined,
        timeInForce: "GTC",
        reduceOnly: false,
        postOnly: false
      }
    }
    expect(decodeHotInput(submit)).toBeUndefined()
    expect(Either.isLeft(bySchema(submit))).toBe(true)
  })
})
