import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import { MarketDataEvent, Quote } from "../../../domain/MarketData"
import { decodeMarketEvent } from "./marketEvent"

const bySchema = Schema.decodeUnknownEither(MarketDataEvent)
const encodeQuote = Schema.encodeSync(Quote)

/** What a field of a quote off the wire may hold: good values, and the ones each rule refuses. */
const fieldValue = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 53, -(2 ** 53), Number.NaN, Number.POSITIVE_INFINITY, "100", null, undefined),
  fc.constantFrom("AAPL.XNAS", "BTC-USDT.BINANCE", "aapl.xnas", "AAPL", ".XNAS", "AAPL.XNAS ", "")
)
const field = fc.constantFrom("instrumentId", "ts", "bidPrice", "bidSize", "askPrice", "askSize", "extra")

/** A valid quote's encoded form with some fields replaced (or removed) by `fieldValue`s. */
const wireQuote = fc
  .tuple(Arbitrary.make(Quote), fc.array(fc.tuple(field, fieldValue), { maxLength: 3 }))
  .map(([quote, changes]) => {
    const value: Record<string, unknown> = { ...encodeQuote(quote) }
    for (const [key, v] of changes) {
      if (v === undefined) delete value[key]
      else value[key] = v
    }
    return value
  })

const same = (value: unknown) => {
  const fast = decodeMarketEvent(value)
  const schema = bySchema(value)
  expect(Either.isRight(fast)).toBe(Either.isRight(schema))
  if (Either.isRight(fast) && Either.isRight(schema)) expect(fast.right).toStrictEqual(schema.right)
  if (Either.isLeft(fast) && Either.isLeft(schema)) expect(fast.left.message).toBe(schema.left.message)
}

describe("decodeMarketEvent", () => {
  it("decodes a quote, valid or not, as the schema does", () => {
    fc.assert(fc.property(wireQuote, same), { numRuns: 2_000 })
  })

  it("decodes every other event, and what is no event, as the schema does", () => {
    const encode = Schema.encodeSync(MarketDataEvent)
    fc.assert(
      fc.property(fc.oneof(Arbitrary.make(MarketDataEvent).map(encode), fc.anything()), (value) => same(value)),
      { numRuns: 1_000 }
    )
  })

  it("keeps a quote's fields and drops the rest", () => {
    const wire = {
      _tag: "Quote",
      instrumentId: "AAPL.XNAS",
      ts: 1,
      bidPrice: -5,
      bidSize: 0,
      askPrice: 7,
      askSize: 3,
      venueSeq: 9
    }
    expect(decodeMarketEvent(wire)).toStrictEqual(
      Either.right({
        _tag: "Quote",
        instrumentId: "AAPL.XNAS",
        ts: 1,
        bidPrice: -5,
        bidSize: 0,
        askPrice: 7,
        askSize: 3
      })
    )
    expect(Either.isLeft(decodeMarketEvent({ ...wire, bidSize: -1 }))).toBe(true)
  })
})
