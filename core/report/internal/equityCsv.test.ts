import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as Decimal from "../../domain/Decimal"
import { formatTimestamp, timestamp } from "../../domain/Units"
import { equityCsvChunks } from "./equityCsv"
import { numberText } from "./format"

/** The former renderer: a string per cell from the domain's own formatters. */
const reference = (ts: ReadonlyArray<number>, equity: ReadonlyArray<number>, dd: ReadonlyArray<number>, d: number) =>
  `ts,equity,drawdownPct\n${ts
    .map(
      (t, i) =>
        `${formatTimestamp(timestamp(t))},${Decimal.fromUnits(equity[i]!, Decimal.minorIncrement(d))},${numberText(dd[i]!)}\n`
    )
    .join("")}`

const render = (ts: ReadonlyArray<number>, equity: ReadonlyArray<number>, dd: ReadonlyArray<number>, d: number) =>
  Array.from(
    equityCsvChunks(
      { ts: Float64Array.from(ts), equity: Float64Array.from(equity), drawdownPct: Float64Array.from(dd) },
      d
    )
  ).join("")

// 1900-01-01 to 2200-01-01, with the day's edges and whole milliseconds over-represented.
const ts = fc.oneof(
  fc.integer({ min: -2_208_988_800_000_000, max: 7_258_118_400_000_000 }),
  fc
    .integer({ min: -25_567, max: 84_006 })
    .chain((day) => fc.constantFrom(0, 1, 999, 1_000, 86_399_999_999).map((micros) => day * 86_400_000_000 + micros))
)
const money = fc.oneof(
  fc.integer({ min: -1_000, max: 1_000 }),
  fc.integer({ min: -(2 ** 31) - 5, max: 2 ** 31 + 5 }),
  fc.maxSafeInteger(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0)
)
// Drawdowns, and the halves of the 6th decimal where the fast path gives way to `toFixed`.
const percent = fc.oneof(
  fc.double({ min: 0, max: 200, noNaN: true }),
  fc.integer({ min: 0, max: 100_000_000 }).map((n) => (n + 0.5) / 1e6),
  fc.integer({ min: 0, max: 1e12 }).map((n) => n / 1e6),
  fc.double(),
  fc.constantFrom(0, -0, 5e-7, 4.9999e-7, 999_999.999_999_5, 1e6, 1e21, -1, Number.NaN, Number.POSITIVE_INFINITY)
)

describe("equityCsvChunks", () => {
  it("prints every cell as formatTimestamp, Decimal.fromUnits and numberText do", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(ts, money, percent), { maxLength: 40 }),
        fc.constantFrom(0, 2, 8, 18),
        (rows, decimals) => {
          const [t, e, d] = [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])]
          expect(render(t, e, d, decimals)).toBe(reference(t, e, d, decimals))
        }
      ),
      { numRuns: 300 }
    )
  })
})
