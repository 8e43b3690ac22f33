/**
 * CSV parsing throughput: a seeded 1,000,000-row file of 1-minute bars (`2015-01-01 00:01:00,100.03,...`, about
 * 49 MB), made in memory, read into columns by `readMarketDataCsv` from its bytes. One warm-up, then the median of
 * 5 runs. The last line is one JSON object.
 */
import { Either } from "effect"
import { readMarketDataCsv } from "../core/data/Csv"
import { makeSpecs } from "../core/domain/InstrumentSpec"
import { AAPL, currencies } from "../test/fixtures/instruments"
import { barsCsv } from "./internal/barsCsv"

const ROWS = 1_000_000
const RUNS = 5
const spec = makeSpecs([AAPL], currencies).list[0]!

const made = barsCsv(ROWS, 44)
const bars = made.bars
const bytes = new TextEncoder().encode(made.text)

const read = () => {
  const result = readMarketDataCsv(bytes, { file: "bars.csv", spec })
  if (Either.isLeft(result)) throw new Error(result.left.message)
  const columns = result.right
  if (columns.kind !== "bar" || columns.length !== ROWS || columns.close[ROWS - 1] !== bars.close[ROWS - 1]) {
    throw new Error("the columns read are not the bars written")
  }
}

read()
const runs: Array<number> = []
for (let run = 0; run < RUNS; run++) {
  // Each run starts from the same heap: the previous run's columns are garbage.
  globalThis.gc?.()
  const start = performance.now()
  read()
  runs.push(performance.now() - start)
  console.log(`run ${run + 1}: ${runs[run]!.toFixed(1)} ms`)
}
const ms = [...runs].sort((a, b) => a - b)[RUNS >> 1]!
const mb = bytes.length / 1024 / 1024

console.log(
  JSON.stringify({
    bench: "csv",
    rows: ROWS,
    mb: Math.round(mb * 10) / 10,
    mb_per_s: Math.round(mb / (ms / 1000)),
    rows_per_s: Math.round(ROWS / (ms / 1000)),
    ms: Math.round(ms),
    runs_ms: runs.map(Math.round)
  })
)
