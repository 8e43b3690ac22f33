/**
 * The SQL the store runs: staging rows from typed arrays, copying them to a Parquet part, and reading one date
 * partition of several instruments in replay order.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import type { KindLayout } from "./kinds"

/** The `@duckdb/node-api` module, loaded when the store opens. */
export type DuckDB = typeof import("@duckdb/node-api")

/** A SQL string literal. */
export const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`

const stageTable = (layout: KindLayout): string => `stage_${layout.folder}`

/** Creates the staging table of `layout` if needed and empties it. */
export const resetStage = async (connection: DuckDBConnection, layout: KindLayout): Promise<void> => {
  const columns = ["ts", ...layout.columns.map(([name]) => name)].map((name) => `${name} DOUBLE`).join(", ")
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${stageTable(layout)} (${columns})`)
}

/** DuckDB's vector size: rows per appended chunk. */
const CHUNK = 2048

/** Appends rows `from` until `to` of the arrays (`ts` first, then the layout's value columns) to the stage. */
export const appendStage = async (
  duckdb: DuckDB,
  connection: DuckDBConnection,
  layout: KindLayout,
  arrays: ReadonlyArray<ArrayLike<number>>,
  from: number,
  to: number
): Promise<void> => {
  const appender = await connection.createAppender(stageTable(layout))
  const types = arrays.map(() => duckdb.DOUBLE)
  try {
    for (let start = from; start < to; start += CHUNK) {
      const n = Math.min(CHUNK, to - start)
      const chunk = duckdb.DuckDBDataChunk.create(types, n)
      for (let c = 0; c < arrays.length; c++) {
        const source = arrays[c]!
        const vector = chunk.getColumnVector(c)
        for (let i = 0; i < n; i++) vector.setItem(i, source[start + i]!)
        vector.flush()
      }
      appender.appendDataChunk(chunk)
    }
    appender.flushSync()
  } finally {
    appender.closeSync()
  }
}

/** Copies the stage to a new Parquet file at `path`, the stored types restored, rows in stage order. */
export const copyStage = (connection: DuckDBConnection, layout: KindLayout, path: string): Promise<unknown> => {
  const columns = [["ts", "BIGINT"] as const, ...layout.columns].map(
    ([name, type]) => `CAST(${name} AS ${type}) AS ${name}`
  )
  return connection.run(
    `COPY (SELECT ${columns.join(", ")} FROM ${stageTable(layout)}) TO ${literal(path)} (FORMAT parquet, COMPRESSION zstd)`
  )
}

/** One Parquet part of a replay: its file, the instrument's position in the query, and its part number. */
export interface SourceFile {
  readonly path: string
  readonly source: number
  readonly part: number
}

/**
 * Every row of `files` with its source position (`src`), part number (`part`) and row in its file
 * (`file_row_number`): ordered by those after `ts`, the rows come in replay order.
 */
const scanParts = (files: ReadonlyArray<SourceFile>): string =>
  files
    .map(
      (f) =>
        `SELECT *, ${f.source} AS src, ${f.part} AS part FROM read_parquet(${literal(f.path)}, file_row_number = true)`
    )
    .join(" UNION ALL ")

/** Copies the rows of `parts` (files of one partition of one instrument) to `path` in replay order. */
export const mergeParts = (
  connection: DuckDBConnection,
  layout: KindLayout,
  parts: ReadonlyArray<SourceFile>,
  path: string
): Promise<unknown> => {
  const columns = ["ts", ...layout.columns.map(([name]) => name)].join(", ")
  return connection.run(
    `COPY (SELECT ${columns} FROM (${scanParts(parts)}) ORDER BY ts, part, file_row_number) ` +
      `TO ${literal(path)} (FORMAT parquet, COMPRESSION zstd)`
  )
}

/**
 * Rows of `files` with `from <= ts < to`, ordered by time, then source position, then write order (part number,
 * then row in file): every selected column is a DOUBLE, `ts` first and the source position second.
 */
export const replayQuery = (layout: KindLayout, files: ReadonlyArray<SourceFile>, from: number, to: number): string => {
  const values = layout.columns.map(([name]) => `CAST(${name} AS DOUBLE)`)
  return [
    `SELECT CAST(ts AS DOUBLE), CAST(src AS DOUBLE), ${values.join(", ")}`,
    `FROM (${scanParts(files)})`,
    `WHERE ts >= ${from} AND ts < ${to}`,
    "ORDER BY ts, src, part, file_row_number"
  ].join(" ")
}
