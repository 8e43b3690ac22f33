import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { closestName, DurationParam, decodeParams, TimeParam } from "./Params"

describe("Params", () => {
  it("TimeParam reads µs and ISO-8601 with a zone, to the microsecond", () => {
    const decode = Schema.decodeUnknownSync(TimeParam)
    expect(decode(1_704_067_200_000_000)).toBe(1_704_067_200_000_000)
    expect(decode("2024-01-01T00:00Z")).toBe(1_704_067_200_000_000)
    expect(decode("2024-01-01T09:30:00.000001-05:00")).toBe(1_704_067_200_000_000 + 14.5 * 3_600_000_000 + 1)
    expect(Either.isLeft(Schema.decodeUnknownEither(TimeParam)("2024-01-01T09:30:00"))).toBe(true)
  })

  it("DurationParam reads µs and a count with a unit", () => {
    const decode = Schema.decodeUnknownSync(DurationParam)
    expect(decode("30m")).toBe(1_800_000_000)
    expect(decode("250ms")).toBe(250_000)
    expect(decode(5)).toBe(5)
    expect(Either.isLeft(Schema.decodeUnknownEither(DurationParam)("0s"))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(DurationParam)(-3))).toBe(true)
  })

  it("decodeParams refuses an unknown key, naming it and the closest known one, with every other problem", () => {
    const params = Schema.Struct({
      fast: Schema.optionalWith(Schema.Int, { default: () => 10 }),
      slow: Schema.optionalWith(Schema.Int, { default: () => 30 })
    })
    expect(decodeParams(params, { fast: 5 })).toEqual(Either.right({ fast: 5, slow: 30 }))
    expect(decodeParams(params, { fsat: 5 })).toEqual(
      Either.left("fsat: unknown parameter (did you mean fast? known: fast, slow)")
    )
    const both = decodeParams(params, { slow: "x", zzz: 1 })
    expect(Either.isLeft(both) && both.left).toMatch(
      /^zzz: unknown parameter \(known: fast, slow\); slow: Expected number/
    )
    expect(closestName("sizng", ["fast", "sizing"])).toBe("sizing")
    expect(closestName("quantity", ["fast", "slow"])).toBeUndefined()
  })
})
