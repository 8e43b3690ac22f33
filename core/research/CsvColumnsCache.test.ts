import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { AAPL, currencies, ES } from "../../test/fixtures/instruments"
import { type ReadCsv, readCsvFile } from "../backtest/BacktestJob"
import { makeSpecs } from "../domain/InstrumentSpec"
import { cachedCsvReader } from "./CsvColumnsCache"

const specs = makeSpecs([AAPL, ES], currencies)
const [aapl, es] = [specs.list[0]!, specs.list[1]!]
const dir = mkdtempSync(join(tmpdir(), "meridian-csv-cache-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A file of `n` daily bars from 2020-01-01, closing at 100 + i. */
const barsFile = (name: string, n: number): string => {
  const rows = Array.from({ length: n }, (_, i) => {
    const day = new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10)
    return `${day},${100 + i},${101 + i},${99 + i},${100 + i},1000`
  })
  const file = join(dir, name)
  writeFileSync(file, `Date,Open,High,Low,Close,Volume\n${rows.join("\n")}\n`)
  return file
}

/** The real reader, counting its calls by file. */
const counting = () => {
  const calls: Array<string> = []
  const read: ReadCsv = (file, options) => {
    calls.push(file)
    return readCsvFile(file, options)
  }
  return { calls, read }
}

const columnsOf = (result: ReturnType<ReadCsv>) => Either.getOrThrow(result)

describe("CsvColumnsCache", () => {
  it("reads a file once for the same options, handing out the same columns, equal to a fresh read", () => {
    const file = barsFile("a.csv", 30)
    const { calls, read } = counting()
    const cached = cachedCsvReader(read)
    const first = columnsOf(cached(file, { file, spec: aapl }))
    const second = columnsOf(cached(file, { file, spec: aapl }))
    expect(second).toBe(first)
    expect(calls).toEqual([file])
    expect(first).toEqual(columnsOf(readCsvFile(file, { file, spec: aapl })))
  })

  it("reads again for another instrument or zone: the columns depend on them", () => {
    const file = barsFile("b.csv", 10)
    const { calls, read } = counting()
    const cached = cachedCsvReader(read)
    const ofAapl = columnsOf(cached(file, { file, spec: aapl }))
    const ofEs = columnsOf(cached(file, { file, spec: es }))
    const zoned = columnsOf(cached(file, { file, spec: aapl, timezone: "America/New_York" }))
    expect(calls).toHaveLength(3)
    expect(ofEs.instrument[0]).toBe(es.index)
    expect(ofAapl.instrument[0]).toBe(aapl.index)
    expect(zoned.ts[0]).not.toBe(ofAapl.ts[0])
  })

  it("reads a file again once it changed on disk", () => {
    const file = barsFile("c.csv", 10)
    const { calls, read } = counting()
    const cached = cachedCsvReader(read)
    expect(columnsOf(cached(file, { file, spec: aapl })).length).toBe(10)
    barsFile("c.csv", 12)
    expect(columnsOf(cached(file, { file, spec: aapl })).length).toBe(12)
    // Same size, another modification time.
    barsFile("c.csv", 12)
    utimesSync(file, new Date(2001, 0, 1), new Date(2001, 0, 1))
    columnsOf(cached(file, { file, spec: aapl }))
    expect(calls).toHaveLength(3)
  })

  it("keeps no failure: a file that could not be read is read again", () => {
    const file = join(dir, "bad.csv")
    writeFileSync(file, "Date,Open,High,Low,Close\n2020-01-01,1,2,0.5,x\n")
    const { calls, read } = counting()
    const cached = cachedCsvReader(read)
    expect(Either.isLeft(cached(file, { file, spec: aapl }))).toBe(true)
    expect(Either.isLeft(cached(file, { file, spec: aapl }))).toBe(true)
    expect(calls).toHaveLength(2)
    expect(() => cached(join(dir, "missing.csv"), { file: "missing.csv", spec: aapl })).toThrow(/ENOENT/)
  })

  it("holds at most maxBytes, dropping the least recently used", () => {
    const [x, y, z] = [barsFile("x.csv", 20), barsFile("y.csv", 20), barsFile("z.csv", 20)]
    const bytes = Object.values(columnsOf(readCsvFile(x, { file: x, spec: aapl })))
      .filter((v) => ArrayBuffer.isView(v))
      .reduce((n, v) => n + (v as ArrayBufferView).byteLength, 0)
    const { calls, read } = counting()
    const cached = cachedCsvReader(read, 2 * bytes)
    cached(x, { file: x, spec: aapl })
    cached(y, { file: y, spec: aapl })
    cached(x, { file: x, spec: aapl }) // x is now the most recent: z's entry drops y's
    cached(z, { file: z, spec: aapl })
    cached(x, { file: x, spec: aapl })
    cached(y, { file: y, spec: aapl })
    expect(calls).toEqual([x, y, z, y])
    // Larger than the whole cache: handed out, not kept.
    const tiny = cachedCsvReader(read, bytes - 1)
    tiny(x, { file: x, spec: aapl })
    tiny(x, { file: x, spec: aapl })
    expect(calls.slice(4)).toEqual([x, x])
  })
})
