/**
 * Prices, sizes and times of CSV fields in instrument units. Each method returns the number, or a `Problem`
 * naming the line and the column as the header writes it.
 */
import { Either } from "effect"
import * as Decimal from "../../domain/Decimal"
import { increments } from "../../domain/Instrument"
import type { InstrumentSpec } from "../../engine/InstrumentSpec"
import type { Problem } from "./csvRows"
import type { TimestampParser } from "./timestampParser"

/** Prices and sizes repeat row after row; remembering recent conversions skips most BigInt arithmetic. */
const CACHE_LIMIT = 4_096

export class FieldParser {
  private readonly tick: Decimal.Increment
  private readonly lot: Decimal.Increment
  private readonly prices = new Map<string, number>()
  private readonly sizes = new Map<string, number>()

  constructor(
    private readonly header: ReadonlyArray<string>,
    spec: InstrumentSpec,
    private readonly priceRounding: Decimal.Rounding,
    private readonly sizeRounding: Decimal.Rounding,
    readonly times: TimestampParser
  ) {
    const { lot, tick } = increments(spec.instrument)
    this.tick = tick
    this.lot = lot
  }

  problem(line: number, column: number, message: string): Problem {
    return { line, column: this.header[column] ?? String(column + 1), message }
  }

  /** Ticks of a decimal price. */
  price(fields: ReadonlyArray<string>, column: number, line: number): number | Problem {
    return this.units(fields, column, line, this.tick, this.priceRounding, this.prices)
  }

  /** Lots of a decimal size, which must not be negative. */
  size(fields: ReadonlyArray<string>, column: number, line: number): number | Problem {
    const units = this.units(fields, column, line, this.lot, this.sizeRounding, this.sizes)
    if (typeof units === "number" && units < 0) return this.problem(line, column, `size ${fields[column]} is negative`)
    return units
  }

  /** Microseconds since the epoch; `notBefore` is the previous row's time. */
  time(fields: ReadonlyArray<string>, column: number, line: number, notBefore: number): number | Problem {
    const text = fields[column] ?? ""
    if (text === "") return this.problem(line, column, "empty timestamp")
    const ts = this.times.parse(text, notBefore)
    return Number.isNaN(ts) ? this.problem(line, column, this.times.error) : ts
  }

  private units(
    fields: ReadonlyArray<string>,
    column: number,
    line: number,
    increment: Decimal.Increment,
    rounding: Decimal.Rounding,
    cache: Map<string, number>
  ): number | Problem {
    const text = fields[column] ?? ""
    const cached = cache.get(text)
    if (cached !== undefined) return cached
    if (text === "") return this.problem(line, column, "empty value")
    const units = Decimal.toUnits(text, increment, rounding)
    if (Either.isLeft(units)) return this.problem(line, column, units.left.message)
    if (cache.size === CACHE_LIMIT) cache.clear()
    cache.set(text, units.right)
    return units.right
  }
}
