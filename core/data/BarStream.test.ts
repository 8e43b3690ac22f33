import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { AAPL, currencies } from "../../test/fixtures/instruments"
import { makeSpecs } from "../domain/InstrumentSpec"
import { BarStream } from "./BarStream"
import { readBarsCsv } from "./Csv"

const spec = makeSpecs([AAPL], currencies).list[0]!
const dir = mkdtempSync(join(tmpdir(), "meridian-bar-stream-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `rows` one-minute bars from 2020-01-02, the row at `odd` (if any) replaced by `oddRow`. */
const barFile = (name: string, rows: number, odd = -1, oddRow = "") => {
  const lines = ["Date,Open,High,Low,Close,Volume"]
  for (let i = 0; i < rows; i++) {
    const time = new Date(Date.UTC(2020, 0, 2) + i * 60_000).toISOString().slice(0, 19).replace("T", " ")
    lines.push(i === odd ? oddRow : `${time},100.${i % 90},101,99.5,100.${(i * 7) % 90},${i}`)
  }
  const file = join(dir, name)
  writeFileSync(file, `${lines.join("\n")}\n`)
  return file
}

/** Every row as the replay reads them: waiting for each batch as it comes. */
const drain = (stream: BarStream) => {
  let ready = stream.waitFor(0)
  for (let i = 0; i < ready; i++) if (i + 1 === ready) ready = stream.waitFor(ready)
  return ready
}

describe("BarStream", () => {
  it("reads a file in a worker into the columns readBarsCsv reads", () => {
    const file = barFile("plain.csv", 30_000)
    const stream = BarStream.start(file, { file, spec })!
    expect(drain(stream)).toBe(30_000)
    expect(stream.finish()).toEqual(Either.getOrThrow(readBarsCsv(readFileSync(file), { file, spec })))
  })

  it("is given up at a row the scan does not take, and for files it does not read", () => {
    const quoted = barFile("quoted.csv", 20_000, 15_000, '"2020-01-12 10:00:00",100,101,99,100,1')
    const stream = BarStream.start(quoted, { file: quoted, spec })!
    expect(drain(stream)).toBe(15_000)
    expect(stream.finish()).toBeUndefined()
    // The first rows' period (1 minute) is not the file's (30 seconds, at its end): given up, unless the worker had
    // read the whole file by the first wait, whose period is then the file's.
    const faster = barFile("faster.csv", 20_000, 19_999, "2020-01-15 21:18:30,100,101,99,100,1")
    const guessed = BarStream.start(faster, { file: faster, spec })!
    drain(guessed)
    const columns = guessed.finish()
    if (columns !== undefined)
      expect(columns).toEqual(Either.getOrThrow(readBarsCsv(readFileSync(faster), { file: faster, spec })))
    expect(columns?.periodUs[0] ?? 30_000_000).toBe(30_000_000)
    expect(BarStream.start(quoted, { file: quoted, spec, timezone: "America/New_York" })).toBeUndefined()
  })
})
