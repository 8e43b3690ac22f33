import { describe, expect, it } from "@effect/vitest"
import { Packr, Unpackr } from "msgpackr"
import type { Outcome } from "../AccountsShard"
import { AcceptedAnswers } from "./answerBytes"

// As a protocol client decodes its answers (`core/protocol/internal/link.ts`).
const options = { useRecords: true, sequential: true, mapsAsObjects: true, int64AsType: "number" } as const
const answers = new AcceptedAnswers()
const encodeAccepted = (outcome: Outcome): number => answers.encode(outcome)
const bytes = answers.bytes

const accepted = (seq: number, orderIds: ReadonlyArray<string>): Outcome => ({ _tag: "Accepted", seq, orderIds })

describe("answerBytes", () => {
  it("writes an accepted outcome with one order id as msgpack that decodes to the same value, key order included", () => {
    const unpackr = new Unpackr(options)
    for (const seq of [0, 1, 127, 128, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      for (const id of ["O1", "x".repeat(31), "y".repeat(32), "z".repeat(255)]) {
        const outcome = accepted(seq, [id])
        const end = encodeAccepted(outcome)
        expect(end).toBeGreaterThan(0)
        const decoded = unpackr.unpack(bytes.subarray(0, end))
        expect(decoded).toEqual(outcome)
        expect(Object.keys(decoded)).toEqual(["_tag", "seq", "orderIds"])
      }
    }
  })

  it("decodes the same between answers packed with the session's record structures", () => {
    const packr = new Packr(options)
    const unpackr = new Unpackr(options)
    const refused: Outcome = { _tag: "Refused", seq: 3, reason: "INVALID_PRICE", message: "too big" }
    const outcomes = [accepted(1, ["O1"]), refused, accepted(2, ["O2"]), accepted(4, ["O3", "O4"]), accepted(5, ["O5"])]
    const decoded = outcomes.map((outcome) => {
      const end = encodeAccepted(outcome)
      return unpackr.unpack(end > 0 ? bytes.slice(0, end) : packr.pack(outcome))
    })
    expect(decoded).toEqual(outcomes)
  })

  it("leaves every other outcome to the session's packer", () => {
    expect(encodeAccepted({ _tag: "Refused", seq: 1, reason: "INVALID_PRICE", message: "no" })).toBe(0)
    expect(encodeAccepted(accepted(1, []))).toBe(0)
    expect(encodeAccepted(accepted(1, ["O1", "O2"]))).toBe(0)
    expect(encodeAccepted(accepted(1, ["Ö1"]))).toBe(0)
    expect(encodeAccepted(accepted(1, ["x".repeat(256)]))).toBe(0)
  })
})
