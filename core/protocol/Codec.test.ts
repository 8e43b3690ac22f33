import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, type Schema } from "effect"
import * as Codec from "./Codec"
import { DomainMessage, domainMessage, recordSchemas } from "./Messages"

/** A second codec with its own packer plays the foreign peer: nothing is shared but the bytes. */
const roundTrips = <S extends Schema.Schema.AnyNoContext>(name: string, schema: S) =>
  it(`round-trips ${name} through msgpack and JSON`, () => {
    const local = Codec.make(schema)
    const foreign = Codec.make(schema)
    fc.assert(
      fc.property(Arbitrary.make(schema), (value) => {
        expect(foreign.decode(local.encode(value))).toEqual(Either.right(value))
        expect(foreign.decodeJson(local.encodeJson(value))).toEqual(Either.right(value))
      }),
      { numRuns: 60 }
    )
  })

const issues = (result: Either.Either<unknown, Codec.CodecError>) =>
  Either.isLeft(result) ? result.left.issues.map((i) => `${i.path.join(".")}: ${i.message}`) : ["decoded"]

const trade = {
  _tag: "Trade",
  instrumentId: "AAPL.XNAS",
  ts: 1_700_000_000_000_000,
  price: 18_923,
  size: 100,
  aggressor: "buy"
}

describe("Codec", () => {
  describe("every message type", () => {
    const members: ReadonlyArray<Schema.Schema.AnyNoContext> = DomainMessage.members
    for (const member of members) {
      const [sample] = fc.sample(Arbitrary.make(member), 1)
      roundTrips(sample?._tag ?? "?", member)
    }
    for (const [name, schema] of Object.entries(recordSchemas)) roundTrips(name, schema)
  })

  describe("order types", () => {
    const request = {
      clientOrderId: "c1",
      accountId: "a1",
      instrumentId: "AAPL.XNAS",
      side: "sell",
      quantity: 100,
      timeInForce: "GTC",
      reduceOnly: false,
      postOnly: false
    }
    const requests = [
      { ...request, type: "market-if-touched", stopPrice: 15_050 },
      { ...request, type: "limit-if-touched", stopPrice: 15_050, limitPrice: 15_040 },
      { ...request, type: "trailing-stop-limit", trailingOffset: 20, limitOffset: 0 },
      { ...request, type: "trailing-stop-limit", trailingOffset: 20, limitOffset: 7 },
      { ...request, type: "market-to-limit" },
      { ...request, type: "market-on-open", timeInForce: "DAY" },
      { ...request, type: "market-on-close", timeInForce: "GTD", expireAt: 1_700_000_000_000_000 }
    ]
    const record = { orderId: "o1", status: "accepted", filledQuantity: 0, filledValue: 0, createdAt: 1, updatedAt: 2 }

    it("round-trips each new type with every field it carries, as a command, an event and a venue order", () => {
      const messages: Array<object> = requests.flatMap((r) => [
        { _tag: "SubmitOrder", request: r, ts: 5 },
        { _tag: "OrderSubmitted", sequence: 1, ts: 5, accountId: "a1", order: { ...r, ...record } },
        { _tag: "VenueSubmit", order: { ...r, ...record }, ts: 5 }
      ])
      // A market-to-limit order's record carries the limit its first fill set.
      const converted = {
        ...requests[4],
        ...record,
        status: "partially-filled",
        filledQuantity: 40,
        filledValue: 600_400,
        limitPrice: 15_010
      }
      messages.push({ _tag: "VenueSubmit", order: converted, ts: 6 })
      for (const message of messages) {
        const decoded = domainMessage.decodeJson(JSON.stringify(message))
        expect(decoded).toEqual(Either.right(message))
        const value = Either.getOrThrow(decoded)
        expect(domainMessage.decode(domainMessage.encode(value))).toEqual(Either.right(message))
        expect(domainMessage.decodeJson(domainMessage.encodeJson(value))).toEqual(Either.right(message))
      }
    })

    it("round-trips an order sized at the fill from the account's funds, and refuses a share above all of them", () => {
      const sized = { ...request, type: "market", fundsShare: 10_000, notionalLimit: 1_500_000 }
      for (const message of [
        { _tag: "SubmitOrder", request: sized, ts: 5 },
        { _tag: "VenueSubmit", order: { ...sized, ...record }, ts: 5 }
      ]) {
        const value = Either.getOrThrow(domainMessage.decodeJson(JSON.stringify(message)))
        expect(domainMessage.decode(domainMessage.encode(value))).toEqual(Either.right(message))
      }
      const over = JSON.stringify({ _tag: "SubmitOrder", request: { ...sized, fundsShare: 10_001 }, ts: 5 })
      expect(issues(domainMessage.decodeJson(over))).toEqual([
        "request.fundsShare: Expected a number between 1 and 10000, actual 10001"
      ])
    })

    it("refuses a request whose fields do not fit its type, naming the field", () => {
      const submit = (r: object) => JSON.stringify({ _tag: "SubmitOrder", request: r, ts: 5 })
      expect(issues(domainMessage.decodeJson(submit({ ...request, type: "limit-if-touched", stopPrice: 1 })))).toEqual([
        "request.limitPrice: a limit-if-touched order needs a limit price"
      ])
      expect(issues(domainMessage.decodeJson(submit({ ...request, type: "market-to-limit", limitPrice: 1 })))).toEqual([
        "request.limitPrice: a market-to-limit order has no limit price: its first fill sets it"
      ])
      expect(
        issues(domainMessage.decodeJson(submit({ ...request, type: "market-on-open", timeInForce: "IOC" })))
      ).toEqual(["request.timeInForce: a market-on-open order waits for its auction: IOC does not apply"])
    })
  })

  describe("bad input", () => {
    it("refuses truncated msgpack without throwing", () => {
      fc.assert(
        fc.property(Arbitrary.make(DomainMessage), fc.nat(), (value, cut) => {
          const bytes = domainMessage.encode(value)
          const truncated = bytes.subarray(0, cut % bytes.length)
          const result = domainMessage.decode(truncated)
          expect(Either.isLeft(result)).toBe(true)
        }),
        { numRuns: 200 }
      )
      expect(domainMessage.decode(new Uint8Array([]))).toEqual(
        Either.left(expect.objectContaining({ reason: "Malformed" }))
      )
    })

    it("names wrong types, negative quantities and unknown enum values", () => {
      const bytes = (value: unknown) => Codec.makePackr().pack(value)
      expect(issues(domainMessage.decode(bytes({ ...trade, price: "189.23" })))).toEqual([
        'price: Expected number, actual "189.23"'
      ])
      expect(issues(domainMessage.decode(bytes({ ...trade, size: -100 })))).toEqual(["size: quantity must be positive"])
      expect(issues(domainMessage.decode(bytes({ ...trade, aggressor: "both" })))).toEqual([
        'aggressor: Expected "buy" | "sell" | "none", actual "both"'
      ])
      expect(issues(domainMessage.decode(bytes({ ...trade, _tag: "Tarde" })))[0]).toMatch(/^_tag: Expected "Trade"/)
      expect(issues(domainMessage.decode(bytes({ ...trade, ts: 1.5 })))).toEqual(["ts: timestamp must be an integer"])
      expect(issues(domainMessage.decode(bytes({ ...trade, price: 2 ** 60 })))).toEqual([
        "price: price must be a safe integer (|n| <= 2^53 - 1)"
      ])
      expect(issues(domainMessage.decode(bytes({ ...trade, venue: "x" })))).toEqual([
        'venue: is unexpected, expected: "_tag" | "instrumentId" | "ts" | "price" | "size" | "aggressor" | "tradeId"'
      ])
    })

    it("names fields deep inside a message", () => {
      const submit = {
        _tag: "SubmitOrder",
        ts: 1,
        request: {
          clientOrderId: "c1",
          accountId: "a1",
          instrumentId: "AAPL.XNAS",
          side: "buy",
          type: "limit",
          quantity: 0,
          timeInForce: "GTX",
          reduceOnly: false,
          postOnly: false
        }
      }
      expect(issues(domainMessage.decodeJson(JSON.stringify(submit)))).toEqual([
        "request.quantity: quantity must be positive",
        'request.timeInForce: Expected "GTC" | "IOC" | "FOK" | "DAY" | "GTD", actual "GTX"'
      ])
    })

    it("refuses text that is not JSON", () => {
      expect(domainMessage.decodeJson('{"_tag": "Trade",')).toEqual(
        Either.left(expect.objectContaining({ reason: "Malformed" }))
      )
    })
  })
})
