/**
 * What a user runs, end to end: the real `meridian` process (the bundle `npm install` builds) backtests a seeded
 * 1,000,000-bar 1-minute CSV with the SMA crossover 10/30 long-short on a margin account, with the run stored in
 * the embedded database (the default) and with `--no-store`; then `meridian runs list`, which ingests the stored run;
 * and the start-up time of `meridian --help`. Medians of several runs; peak RSS of the process (it starts no
 * other). Prints one JSON line.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { barsCsv } from "./internal/barsCsv"

const BARS = 1_000_000
const RUNS = 3
const HELP_RUNS = 7

const dir = mkdtempSync(join(tmpdir(), "meridian-bench-cli-"))
const csv = join(dir, "bars.csv")
const rssFile = join(dir, "rss")
/** The embedded database, whatever the bench's own environment names. */
const { DATABASE_URL: _, ...env } = process.env

/** Wall seconds and peak RSS (MB) of one `meridian` process; fails the bench when the process fails. */
const meridian = (args: ReadonlyArray<string>): { seconds: number; rssMb: number } => {
  const start = performance.now()
  const result = spawnSync(
    process.execPath,
    ["--import", join(import.meta.dirname, "internal", "maxRss.mjs"), "runtimes/node/bin/meridian.mjs", ...args],
    { encoding: "utf8", env: { ...env, MERIDIAN_BENCH_RSS_FILE: rssFile } }
  )
  const seconds = (performance.now() - start) / 1000
  if (result.status !== 0) throw new Error(`meridian ${args.join(" ")} failed: ${result.stderr}`)
  return { seconds, rssMb: Number(readFileSync(rssFile, "utf8")) / 1024 }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits

writeFileSync(csv, barsCsv(BARS, 11).text)
const backtest = (dbDir: string, ...extra: ReadonlyArray<string>) =>
  meridian([
    "backtest",
    "--strategy",
    "sma-cross",
    "--data",
    csv,
    "--param",
    "mode=long-short",
    "--account",
    "margin",
    "--db-dir",
    dbDir,
    ...extra
  ])

const help = Array.from({ length: HELP_RUNS }, () => meridian(["--help"]).seconds)
const noStore = Array.from({ length: RUNS }, () => backtest(join(dir, "unused"), "--no-store"))
const stored = Array.from({ length: RUNS }, (_, i) => backtest(join(dir, `db-${i}`)))
// The first `runs list` on a database opens it and ingests what the backtests left in its inbox.
const list = meridian(["runs", "list", "--db-dir", join(dir, "db-0")])
rmSync(dir, { recursive: true, force: true })

const storedS = median(stored.map((r) => r.seconds))
const noStoreS = median(noStore.map((r) => r.seconds))
console.log(
  JSON.stringify({
    bench: "cli-backtest",
    bars: BARS,
    stored_wall_s: round(storedS),
    stored_bars_per_s: Math.round(BARS / storedS),
    stored_peak_rss_mb: Math.round(Math.max(...stored.map((r) => r.rssMb))),
    no_store_wall_s: round(noStoreS),
    no_store_bars_per_s: Math.round(BARS / noStoreS),
    no_store_peak_rss_mb: Math.round(Math.max(...noStore.map((r) => r.rssMb))),
    store_overhead_pct: round(((storedS - noStoreS) / noStoreS) * 100, 1),
    runs_list_ingest_s: round(list.seconds),
    help_start_s: round(median(help))
  })
)
