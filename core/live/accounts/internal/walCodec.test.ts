import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, FastCheck as fc, Schema } from "effect"
import { ShardInput } from "../ShardInput"
import { decodeHotInput } from "./fastInput"
import { ACCEPTED, FILLED, SUBMIT } from "./hotRecords"
import { WalCodec } from "./walCodec"

/** Equal values with their keys in the same order. */
const same = (a: unknown, b: unknown) => expect(JSON.stringify(a)).toBe(JSON.stringify(b))

/**
 * The records `encode` hands over for each input, copied (the codec reuses its buffers; msgpackr's is a Node
 * `Buffer`, whose `slice` is a view, hence `Uint8Array.from`).
 */
const journal = (codec: WalCodec, inputs: ReadonlyArray<unknown>): Array<Uint8Array> => {
  const records: Array<Uint8Array> = []
  for (const input of inputs) {
    codec.encode(input as ShardInput, (bytes, start, end) => {
      records.push(Uint8Array.from(bytes.subarray(start, end)))
    })
  }
  return records
}

/** What a fresh codec (a recovery) reads back: the inputs, records of structures skipped. */
const replay = (records: ReadonlyArray<Uint8Array>): Array<ShardInput> => {
  const codec = new WalCodec()
  return records.map((record) => codec.decode(record)).filter((input) => input !== undefined)
}

const plain = {
  _tag: "SubmitOrder",
  request: {
    clientOrderId: "c-1",
    accountId: "ACC-1",
    strategyId: "s1",
    instrumentId: "AAPL.XNAS",
    side: "sell",
    type: "limit",
    quantity: 7,
    limitPrice: -15_010,
    timeInForce: "IOC",
    reduceOnly: true,
    postOnly: false
  },
  ts: 1_700_000_000_123_456
}

describe("WalCodec", () => {
  it("gives back every input it journaled, in order, as the wire decoder gave it", () => {
    const wire = (input: ShardInput) => {
      const body = JSON.parse(JSON.stringify(input)) as unknown
      return decodeHotInput(body) ?? Schema.decodeUnknownSync(ShardInput)(body)
    }
    fc.assert(
      fc.property(fc.array(Arbitrary.make(ShardInput), { minLength: 1, maxLength: 20 }), (generated) => {
        const inputs = generated.map(wire)
        const records = journal(new WalCodec(), inputs)
        const back = replay(records)
        expect(back.length).toBe(inputs.length)
        for (let i = 0; i < inputs.length; i++) same(back[i], inputs[i])
      }),
      { numRuns: 300 }
    )
  })

  it("writes the common submission as a record of its own, and reads it back", () => {
    const records = journal(new WalCodec(), [plain])
    expect(records.length).toBe(1)
    expect(records[0]![0]).toBe(SUBMIT)
    same(replay(records)[0], plain)
  })

  it("writes the venue's accept and fill as records of their own, and reads them back", () => {
    const reports = [
      { _tag: "VenueAccepted", accountId: "ACC-1", orderId: "O1", ts: 1_700_000_000_000_001, venueOrderId: "v-9" },
      {
        _tag: "VenueFilled",
        accountId: "ACC-1",
        orderId: "O1",
        ts: 1_700_000_000_000_002,
        tradeId: "t-1",
        quantity: 3,
        price: -15_000,
        fee: -12,
        feeCurrency: "USD",
        liquidity: "taker"
      }
    ]
    const records = journal(new WalCodec(), reports)
    expect(records.map((record) => record[0])).toEqual([ACCEPTED, FILLED])
    const back = replay(records)
    same(back[0], reports[0])
    same(back[1], reports[1])
  })

  it("reads a record of each submission's account, strategy and instrument as one string each", () => {
    const second = { ...plain, request: { ...plain.request, clientOrderId: "c-2" } }
    const [a, b] = replay(journal(new WalCodec(), [plain, second])) as Array<typeof plain>
    same(b, second)
    expect(Object.is(a!.request.instrumentId, b!.request.instrumentId)).toBe(true)
  })

  it("leaves to msgpack a submission it cannot hold: a request id, a sender tail, other fields, non-ASCII ids", () => {
    const others = [
      { ...plain, requestId: "r-1" },
      { ...plain, senderTail: { sender: "strategies/a", first: 3, records: [new Uint8Array([1, 2])] } },
      { ...plain, request: { ...plain.request, type: "limit", displayQuantity: 3 } },
      { ...plain, request: { ...plain.request, timeInForce: "GTD", expireAt: 5 } },
      { ...plain, request: { ...plain.request, clientOrderId: "ordre-é" } },
      { ...plain, request: { ...plain.request, clientOrderId: "x".repeat(300) } }
    ]
    const records = journal(new WalCodec(), others)
    expect(records.every((record) => record[0] !== SUBMIT)).toBe(true)
    const back = replay(records)
    for (let i = 0; i < others.length; i++) expect(back[i]).toEqual(others[i])
  })

  it("refuses a record of a kind it does not know, saying so", () => {
    expect(() => new WalCodec().decode(new Uint8Array([9, 0, 0]))).toThrow("a journal record of kind 9")
  })

  it("refuses a cut submission record", () => {
    const [record] = journal(new WalCodec(), [plain])
    expect(() => new WalCodec().decode(record!.subarray(0, record!.length - 1))).toThrow("malformed")
    expect(() => new WalCodec().decode(record!.subarray(0, 10))).toThrow("malformed")
  })
})
