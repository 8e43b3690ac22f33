/**
 * How each kind of `Columns` maps to Parquet: its folder, its value columns in file order, and how to build
 * `Columns` back from plain arrays. `ts` always comes first and `instrument` is never stored (the path says it).
 */
import type { BarColumns, BookColumns, Columns, QuoteColumns, TradeColumns } from "../../data/Columns"

/** A kind of market data: the `kind` of its `Columns`. */
export type Kind = Columns["kind"]

/** The kinds in the order a multi-kind load returns them. */
export const KINDS: ReadonlyArray<Kind> = ["bar", "trade", "quote", "book"]

/** The Parquet layout of one kind. */
export interface KindLayout {
  readonly kind: Kind
  /** Top-level folder of the dataset: `bars`, `trades`, `quotes`, `books`. */
  readonly folder: string
  /** Value columns after `ts`: Parquet name and SQL type. */
  readonly columns: ReadonlyArray<readonly [name: string, sqlType: string]>
  /** Columns of this kind over the given arrays (taken, not copied; byte columns are converted). */
  readonly make: (ts: Float64Array, instrument: Uint32Array, values: ReadonlyArray<Float64Array>) => Columns
}

const at = (values: ReadonlyArray<Float64Array>, i: number): Float64Array => values[i] ?? new Float64Array(0)

const quote: KindLayout = {
  kind: "quote",
  folder: "quotes",
  columns: [
    ["bid_price", "BIGINT"],
    ["bid_size", "BIGINT"],
    ["ask_price", "BIGINT"],
    ["ask_size", "BIGINT"]
  ],
  make: (ts, instrument, v): QuoteColumns => ({
    kind: "quote",
    length: ts.length,
    ts,
    instrument,
    bidPrice: at(v, 0),
    bidSize: at(v, 1),
    askPrice: at(v, 2),
    askSize: at(v, 3)
  })
}

const trade: KindLayout = {
  kind: "trade",
  folder: "trades",
  columns: [
    ["price", "BIGINT"],
    ["size", "BIGINT"],
    ["aggressor", "UTINYINT"]
  ],
  make: (ts, instrument, v): TradeColumns => ({
    kind: "trade",
    length: ts.length,
    ts,
    instrument,
    price: at(v, 0),
    size: at(v, 1),
    aggressor: Uint8Array.from(at(v, 2))
  })
}

const bar: KindLayout = {
  kind: "bar",
  folder: "bars",
  columns: [
    ["period_us", "BIGINT"],
    ["open", "BIGINT"],
    ["high", "BIGINT"],
    ["low", "BIGINT"],
    ["close", "BIGINT"],
    ["volume", "BIGINT"]
  ],
  make: (ts, instrument, v): BarColumns => ({
    kind: "bar",
    length: ts.length,
    ts,
    instrument,
    periodUs: at(v, 0),
    open: at(v, 1),
    high: at(v, 2),
    low: at(v, 3),
    close: at(v, 4),
    volume: at(v, 5)
  })
}

const book: KindLayout = {
  kind: "book",
  folder: "books",
  columns: [
    ["is_snapshot", "BOOLEAN"],
    ["side", "UTINYINT"],
    ["price", "BIGINT"],
    ["amount", "BIGINT"]
  ],
  make: (ts, instrument, v): BookColumns => ({
    kind: "book",
    length: ts.length,
    ts,
    instrument,
    snapshot: Uint8Array.from(at(v, 0)),
    side: Uint8Array.from(at(v, 1)),
    price: at(v, 2),
    size: at(v, 3)
  })
}

const LAYOUTS: Readonly<Record<Kind, KindLayout>> = { quote, trade, bar, book }

/** The layout of `kind`. */
export const layoutOf = (kind: Kind): KindLayout => LAYOUTS[kind]

/** The value arrays of `c` in its layout's `columns` order. */
export const valuesOf = (c: Columns): ReadonlyArray<ArrayLike<number>> => {
  switch (c.kind) {
    case "quote":
      return [c.bidPrice, c.bidSize, c.askPrice, c.askSize]
    case "trade":
      return [c.price, c.size, c.aggressor]
    case "bar":
      return [c.periodUs, c.open, c.high, c.low, c.close, c.volume]
    case "book":
      return [c.snapshot, c.side, c.price, c.size]
  }
}
