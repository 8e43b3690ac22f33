/**
 * VWAP: work a parent order along a volume profile. The day from `start` is cut into buckets of `bucket` length,
 * one per weight of `profile` (13 half-hour buckets for a US equity session); each bucket's slice is the parent
 * quantity times its share of the total weight, in whole lots (rounded down on the running total, so the slices
 * add up to the parent quantity exactly and the last bucket takes what rounding left). What a slice leaves
 * unfilled is carried into the next; at the end of the last bucket (or `cancelAt`) the working child is canceled.
 *
 * @since 0.1.0
 */

import { DurationParam, parentOrderFields, TimeParam } from "@meridian/core/strategy/Params"
import { parentOrderOf } from "@meridian/core/strategy/ParentOrder"
import { type Slice, workSchedule } from "@meridian/core/strategy/SliceSchedule"
import * as Strategy from "@meridian/core/strategy/Strategy"
import { nowMicros } from "@meridian/core/strategy/Timers"
import { Effect, ParseResult, Schema } from "effect"

const Weights = Schema.NonEmptyArray(Schema.Int.pipe(Schema.nonNegative()))

/** Weights as an array, or as the command line writes them: `5,8,13`. */
const Profile = Schema.Union(
  Weights,
  Schema.transformOrFail(Schema.String, Weights, {
    strict: true,
    decode: (text, _, ast) => {
      const parts = text.split(",").map((part) => Number(part.trim()))
      return parts.every((n) => Number.isSafeInteger(n) && n >= 0)
        ? ParseResult.succeed(parts as unknown as readonly [number, ...Array<number>])
        : ParseResult.fail(new ParseResult.Type(ast, text, "profile must be whole weights separated by commas"))
    },
    encode: (weights) => ParseResult.succeed(weights.join(","))
  })
).pipe(Schema.filter((weights) => (weights.some((w) => w > 0) ? true : "profile needs at least one positive weight")))

export const Params = Schema.Struct({
  ...parentOrderFields,
  /** Start of the first bucket; when the strategy starts if left out. */
  start: Schema.optionalWith(TimeParam, { exact: true }),
  /** Length of a bucket. */
  bucket: Schema.optionalWith(DurationParam, { default: () => 1_800_000_000 }),
  /** Relative volume expected in each bucket, e.g. shares traded on an average day. */
  profile: Profile
})
export type Params = typeof Params.Type

/** `a * b / c` rounded down, exact beyond 2^53. */
const floorMulDiv = (a: number, b: number, c: number): number =>
  Number.isSafeInteger(a * b) ? Math.floor((a * b) / c) : Number((BigInt(a) * BigInt(b)) / BigInt(c))

/** One slice per bucket: the running total of the weights decides how much of `quantity` is due. */
export const vwapSlices = (
  start: number,
  bucket: number,
  profile: ReadonlyArray<number>,
  quantity: number
): ReadonlyArray<Slice> => {
  const total = profile.reduce((sum, w) => sum + w, 0)
  let running = 0
  return profile.map((weight, i) => {
    running += weight
    return { at: start + i * bucket, cumulative: floorMulDiv(quantity, running, total) }
  })
}

export const vwap = Strategy.make({
  id: "algo-vwap",
  description: "VWAP: a parent order in slices proportional to a volume profile",
  params: Params,
  program: (params) =>
    Effect.gen(function* () {
      const { accounts, order } = yield* parentOrderOf(params)
      const start = params.start ?? (yield* nowMicros)
      yield* workSchedule(accounts, order, vwapSlices(start, params.bucket, params.profile, params.quantity), {
        end: start + params.profile.length * params.bucket,
        cancelAt: params.cancelAt
      })
    })
})
