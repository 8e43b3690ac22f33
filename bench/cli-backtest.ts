/**
 * What a user runs, end to end: the real `meridian` process (the bundle `npm install` builds) backtests a seeded
 * 1,000,000-bar 1-minute CSV with the SMA crossover 10/30 long-short on a margin account, with the run stored in
 * the embedded database (the default) and with `--no-store`; then `meridian runs list`, which ingests the stored run;
 * and the start-up times of `meridian --help` and `meridian info`. Each figure is of several runs: the median and the
 * minimum wall time (other jobs on the machine only add to it: the minimum is the quiet estimate), the minimum CPU
 * time (user + system) and the peak RSS of the process (it starts no other), with the load average before and after.
 * Prints one JSON line.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { barsCsv } from "./internal/barsCsv"

const BARS = 1_000_000
const RUNS = 3
const HELP_RUNS = 7

const dir = mkdtempSync(join(tmpdir(), "meridian-bench-cli-"))
const csv = join(dir, "bars.csv")
const usageFile = join(dir, "usage")
/** Preloaded into each process: at exit, it writes its peak RSS (KB) and CPU time (µs) to MERIDIAN_BENCH_USAGE. */
const usageHook = join(dir, "usage.mjs")
writeFileSync(
  usageHook,
  `import { writeFileSync } from "node:fs"
process.on("exit", () => {
  const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage()
  writeFileSync(process.env.MERIDIAN_BENCH_USAGE, JSON.stringify({ maxRSS, cpu: userCPUTime + systemCPUTime }))
})
`
)
/** The embedded database, whatever the bench's own environment names. */
const { DATABASE_URL: _, ...env } = process.env

interface Usage {
  readonly seconds: number
  readonly cpuSeconds: number
  readonly rssMb: number
}

/** Wall and CPU seconds and peak RSS (MB) of one `meridian` process; fails the bench when the process fails. */
const meridian = (args: ReadonlyArray<string>): Usage => {
  const start = performance.now()
  const result = spawnSync(process.execPath, ["--import", usageHook, "runtimes/node/bin/meridian.mjs", ...args], {
    encoding: "utf8",
    env: { ...env, MERIDIAN_BENCH_USAGE: usageFile }
  })
  const seconds = (performance.now() - start) / 1000
  if (result.status !== 0) throw new Error(`meridian ${args.join(" ")} failed: ${result.stderr}`)
  const usage = JSON.parse(readFileSync(usageFile, "utf8")) as { maxRSS: number; cpu: number }
  return { seconds, cpuSeconds: usage.cpu / 1e6, rssMb: usage.maxRSS / 1024 }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits

/** The figures of several runs under `name`: median and minimum wall, minimum CPU, peak RSS. */
const figures = (name: string, runs: ReadonlyArray<Usage>) => ({
  [`${name}_wall_s`]: round(median(runs.map((r) => r.seconds))),
  [`${name}_min_wall_s`]: round(Math.min(...runs.map((r) => r.seconds))),
  [`${name}_min_cpu_s`]: round(Math.min(...runs.map((r) => r.cpuSeconds))),
  [`${name}_peak_rss_mb`]: Math.round(Math.max(...runs.map((r) => r.rssMb)))
})

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

const loadBefore = loadavg()[0]!
const help = Array.from({ length: HELP_RUNS }, () => meridian(["--help"]))
const info = Array.from({ length: HELP_RUNS }, () => meridian(["info"]))
const noStore = Array.from({ length: RUNS }, () => backtest(join(dir, "unused"), "--no-store"))
const stored = Array.from({ length: RUNS }, (_, i) => backtest(join(dir, `db-${i}`)))
// The first `runs list` on a database opens it and ingests what the backtests left in its inbox.
const list = meridian(["runs", "list", "--db-dir", join(dir, "db-0")])
const loadAfter = loadavg()[0]!
rmSync(dir, { recursive: true, force: true })

const storedS = Math.min(...stored.map((r) => r.seconds))
const noStoreS = Math.min(...noStore.map((r) => r.seconds))
console.log(
  JSON.stringify({
    bench: "cli-backtest",
    bars: BARS,
    ...figures("stored", stored),
    stored_bars_per_s: Math.round(BARS / storedS),
    ...figures("no_store", noStore),
    no_store_bars_per_s: Math.round(BARS / noStoreS),
    // Of the quiet estimates: the minimum wall times, and the minimum CPU times.
    store_overhead_pct: round(((storedS - noStoreS) / noStoreS) * 100, 1),
    store_overhead_cpu_pct: round(
      ((Math.min(...stored.map((r) => r.cpuSeconds)) - Math.min(...noStore.map((r) => r.cpuSeconds))) /
        Math.min(...noStore.map((r) => r.cpuSeconds))) *
        100,
      1
    ),
    runs_list_ingest_s: round(list.seconds),
    help_start_s: round(median(help.map((r) => r.seconds))),
    help_min_start_s: round(Math.min(...help.map((r) => r.seconds))),
    info_start_s: round(median(info.map((r) => r.seconds))),
    info_min_start_s: round(Math.min(...info.map((r) => r.seconds))),
    load_avg_before: loadBefore,
    load_avg_after: loadAfter
  })
)
