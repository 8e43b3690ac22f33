/**
 * Prices, sizes, times and sides of CSV fields in instrument units. A plain row brings the numbers `ByteFields` read
 * from its bytes; any other row is parsed from its text here. Each method returns the number, or a `Problem` naming
 * the line and the column as the header writes it.
 */
import { Either } from "effect"
import * as Decimal from "../../domain/Decimal"
import { AGGRESSOR_BUY, AGGRESSOR_NONE, AGGRESSOR_SELL } from "../Columns"
import type { Problem, Row } from "./csvRows"
import type { TimestampParser } from "./timestampParser"

/** How decimals become units: the increment, and the rounding to it. */
export interface Grid {
  readonly increment: Decimal.Increment
  readonly rounding: Decimal.Rounding
}

/** Trade sides as files write them (any case), and their `TradeColumns.aggressor` codes. */
export const SIDES: ReadonlyMap<string, number> = new Map([
  ["", AGGRESSOR_NONE],
  ["buy", AGGRESSOR_BUY],
  ["b", AGGRESSOR_BUY],
  ["sell", AGGRESSOR_SELL],
  ["s", AGGRESSOR_SELL]
])

/** A price or a size a row reader needs, and its column. */
export interface UnitsField {
  readonly kind: "price" | "size"
  readonly column: number
}

/** Prices and sizes repeat row after row; remembering recent conversions skips most BigInt arithmetic. */
const CACHE_LIMIT = 4_096

export class FieldParser {
  private readonly prices = new Map<string, number>()
  private readonly sizes = new Map<string, number>()

  constructor(
    private readonly header: ReadonlyArray<string>,
    private readonly priceGrid: Grid,
    private readonly sizeGrid: Grid,
    readonly times: TimestampParser
  ) {}

  /** A problem in `column`, named as the header writes it, or by its number when its header cell is empty. */
  problem(line: number, column: number, message: string): Problem {
    return { line, column: this.header[column] || String(column + 1), message }
  }

  /** Ticks of a decimal price. */
  price(row: Row, column: number, line: number): number | Problem {
    return row.plain ? row.values[column]! : this.parse(row, column, line, this.priceGrid, this.prices)
  }

  /** Lots of a decimal size, which must not be negative. */
  size(row: Row, column: number, line: number): number | Problem {
    const units = row.plain ? row.values[column]! : this.parse(row, column, line, this.sizeGrid, this.sizes)
    if (typeof units !== "number" || units >= 0) return units
    return this.problem(line, column, `size ${row.text(column)} is negative`)
  }

  /** Microseconds since the epoch; `notBefore` is the previous row's time. */
  time(row: Row, column: number, line: number, notBefore: number): number | Problem {
    if (row.plain) {
      const ts = this.times.instant(row.values[column]!, row.utc ? 0 : undefined, notBefore)
      if (ts >= 0) return ts
    }
    const text = row.text(column)
    if (text === "") return this.problem(line, column, "empty timestamp")
    const ts = this.times.parse(text, notBefore)
    return Number.isNaN(ts) ? this.problem(line, column, this.times.error) : ts
  }

  /**
   * Reads `fields` of `row` in order into `out` (`out[i]` the units of `fields[i]`), stopping at the first one that
   * is not a number: its problem, or undefined when all are read.
   */
  units(row: Row, line: number, fields: ReadonlyArray<UnitsField>, out: Float64Array): Problem | undefined {
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!
      const units = field.kind === "price" ? this.price(row, field.column, line) : this.size(row, field.column, line)
      if (typeof units !== "number") return units
      out[i] = units
    }
    return undefined
  }

  /** The aggressor code of a side, -1 if unknown. */
  side(row: Row, column: number): number {
    return row.plain ? row.values[column]! : (SIDES.get(row.text(column).toLowerCase()) ?? -1)
  }

  private parse(row: Row, column: number, line: number, grid: Grid, cache: Map<string, number>): number | Problem {
    const text = row.text(column)
    const cached = cache.get(text)
    if (cached !== undefined) return cached
    if (text === "") return this.problem(line, column, "empty value")
    const units = Decimal.toUnits(text, grid.increment, grid.rounding)
    if (Either.isLeft(units)) return this.problem(line, column, units.left.message)
    if (cache.size === CACHE_LIMIT) cache.clear()
    cache.set(text, units.right)
    return units.right
  }
}
