import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import smaCross from "../../plugins/strategy-sma-cross/src/index"
import { decodeParams } from "../strategy/Params"
import { type Dimension, fromSchema, grid, type ParamSet, parseDimension, sample } from "./ParameterSpace"

const dim = (text: string): Dimension => Either.getOrThrow(parseDimension(text, smaCross.params))

describe("parseDimension", () => {
  it("reads lists, integer ranges with a step, real intervals, and a bare name from the schema", () => {
    expect(dim("fast=5,10,20,10")).toEqual({ kind: "values", name: "fast", values: ["5", "10", "20"] })
    expect(dim("fast=5..50:5")).toEqual({ kind: "int", name: "fast", min: 5, max: 50, step: 5 })
    expect(dim("x=0.1..0.9")).toEqual({ kind: "real", name: "x", min: 0.1, max: 0.9, step: undefined })
    expect(dim("slow")).toEqual({ kind: "int", name: "slow", min: 1, max: 10_000, step: 1 })
    expect(dim("mode")).toEqual({ kind: "values", name: "mode", values: ["long-only", "long-short"] })
  })

  it("names the argument and the problem when it cannot read it", () => {
    expect(parseDimension("fast=")).toEqual(Either.left("--grid fast=: expected name=values"))
    expect(parseDimension("fast=9..3")).toEqual(Either.left("--grid fast=9..3: 9 is above 3"))
    expect(parseDimension("fast=1..3:0")).toEqual(Either.left("--grid fast=1..3:0: the step must be positive"))
    expect(Either.isLeft(parseDimension("sizing", smaCross.params))).toBe(true)
    expect(Either.isLeft(parseDimension("nope", smaCross.params))).toBe(true)
  })

  it("takes a number's bounds and a boolean from any schema", () => {
    const schema = Schema.Struct({ rate: Schema.Number.pipe(Schema.between(0, 2)), on: Schema.Boolean })
    expect(fromSchema(schema, "rate")).toEqual({ kind: "real", name: "rate", min: 0, max: 2, step: undefined })
    expect(fromSchema(schema, "on")).toEqual({ kind: "values", name: "on", values: ["true", "false"] })
  })
})

describe("grid", () => {
  it("expands every combination, the first dimension slowest", () => {
    const sets = Either.getOrThrow(grid([dim("fast=5,10,20"), dim("slow=30,50")]))
    expect(sets).toEqual([
      { fast: "5", slow: "30" },
      { fast: "5", slow: "50" },
      { fast: "10", slow: "30" },
      { fast: "10", slow: "50" },
      { fast: "20", slow: "30" },
      { fast: "20", slow: "50" }
    ])
  })

  it("lists stepped ranges without drift, and refuses an unstepped real interval or a grid too large", () => {
    expect(Either.getOrThrow(grid([dim("x=0.1..0.4:0.1")])).map((s) => s.x)).toEqual(["0.1", "0.2", "0.3", "0.4"])
    expect(Either.getOrThrow(grid([dim("n=1..10:4")])).map((s) => s.n)).toEqual(["1", "5", "9"])
    expect(Either.isLeft(grid([dim("x=0.1..0.9")]))).toBe(true)
    expect(grid([dim("a=1..1000"), dim("b=1..1000")], 10_000)).toEqual(
      Either.left("the grid has over 10,000 combinations")
    )
    expect(Either.getOrThrow(grid([]))).toEqual([])
  })
})

describe("sample", () => {
  const valid = (set: ParamSet) =>
    Either.isRight(decodeParams(smaCross.params, { fast: Number(set.fast), slow: Number(set.slow) }))

  it("draws distinct sets in range, the same for the same seed, and only those the strategy accepts", () => {
    const dims = [dim("fast=2..60"), dim("slow=10..200")]
    const a = sample(dims, 50, 7, valid)
    expect(a).toHaveLength(50)
    expect(new Set(a.map((s) => JSON.stringify(s))).size).toBe(50)
    for (const s of a) {
      expect(Number(s.fast)).toBeGreaterThanOrEqual(2)
      expect(Number(s.slow)).toBeLessThanOrEqual(200)
      expect(Number(s.fast)).toBeLessThan(Number(s.slow))
    }
    expect(sample(dims, 50, 7, valid)).toEqual(a)
    expect(sample(dims, 50, 8, valid)).not.toEqual(a)
  })

  it("stops short when the space is smaller than the sample", () => {
    expect(sample([dim("fast=5,10")], 10, 1)).toHaveLength(2)
    const reals = sample([dim("x=0.5..1.5")], 20, 3)
    expect(reals).toHaveLength(20)
    for (const s of reals) expect(Number(s.x)).toBeGreaterThanOrEqual(0.5)
  })
})
