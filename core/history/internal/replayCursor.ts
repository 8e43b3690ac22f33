/**
 * Reads a sequence of DuckDB queries (one per date partition, each already in replay order) into `Columns` chunks
 * of a fixed number of rows. Plain async code over buffers it owns: one fetched DuckDB chunk and one output chunk
 * are all it holds, whatever the length of the range.
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult } from "@duckdb/node-api"
import type { Columns } from "../../data/Columns"
import type { KindLayout } from "./kinds"

/** Reads the first column of `chunk` named `column` as numbers (every replay query selects DOUBLE columns). */
type Reader = (
  chunk: DuckDBDataChunk,
  column: number,
  from: number,
  into: Float64Array | Uint32Array,
  at: number,
  n: number
) => void

const readDoubles: Reader = (chunk, column, from, into, at, n) => {
  const vector = chunk.getColumnVector(column)
  for (let i = 0; i < n; i++) {
    const value = vector.getItem(from + i)
    into[at + i] = typeof value === "number" ? value : Number.NaN
  }
}

/** Pulls rows of `queries` in order; `next` resolves to the next chunk, or `undefined` once all are read. */
export class ReplayCursor {
  private query = 0
  private result: DuckDBResult | undefined
  private chunk: DuckDBDataChunk | undefined
  private offset = 0
  private ts: Float64Array
  private instrument: Uint32Array
  private values: Array<Float64Array>

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly layout: KindLayout,
    private readonly queries: ReadonlyArray<string>,
    private readonly chunkRows: number
  ) {
    this.ts = new Float64Array(chunkRows)
    this.instrument = new Uint32Array(chunkRows)
    this.values = layout.columns.map(() => new Float64Array(chunkRows))
  }

  /** The next chunk of at most `chunkRows` rows; `undefined` at the end. Rejects with DuckDB's error. */
  async next(): Promise<Columns | undefined> {
    let filled = 0
    while (filled < this.chunkRows) {
      const chunk = await this.current()
      if (chunk === undefined) break
      const n = Math.min(chunk.rowCount - this.offset, this.chunkRows - filled)
      readDoubles(chunk, 0, this.offset, this.ts, filled, n)
      readDoubles(chunk, 1, this.offset, this.instrument, filled, n)
      for (let c = 0; c < this.values.length; c++) readDoubles(chunk, c + 2, this.offset, this.values[c]!, filled, n)
      this.offset += n
      filled += n
    }
    if (filled === 0) return undefined
    if (filled < this.chunkRows) {
      return this.layout.make(
        this.ts.slice(0, filled),
        this.instrument.slice(0, filled),
        this.values.map((v) => v.slice(0, filled))
      )
    }
    // A full chunk hands its buffers over and the cursor starts new ones: no copy.
    const full = this.layout.make(this.ts, this.instrument, this.values)
    this.ts = new Float64Array(this.chunkRows)
    this.instrument = new Uint32Array(this.chunkRows)
    this.values = this.values.map(() => new Float64Array(this.chunkRows))
    return full
  }

  /** The DuckDB chunk with rows left to read, moving to the next chunk or query as needed. */
  private async current(): Promise<DuckDBDataChunk | undefined> {
    while (this.chunk === undefined || this.offset >= this.chunk.rowCount) {
      if (this.result === undefined) {
        const sql = this.queries[this.query++]
        if (sql === undefined) return undefined
        this.result = await this.connection.stream(sql)
      }
      const chunk = await this.result.fetchChunk()
      this.offset = 0
      if (chunk === null || chunk.rowCount === 0) {
        this.result = undefined
        this.chunk = undefined
      } else {
        this.chunk = chunk
      }
    }
    return this.chunk
  }
}
