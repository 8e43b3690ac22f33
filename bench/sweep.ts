/**
 * Sweep throughput: the same grid of SMA-crossover backtests (5,000 daily S&P 500 bars each) run by `meridian sweep`
 * in 1 and in 2 local worker processes on the embedded database, against the same jobs run in a plain loop in this
 * process (no processes, no database). Jobs per second of the sweep's run phase (from submission to the last result
 * recorded; the embedded database's start is not counted), the speed-up of 2 workers over 1, and the per-job overhead
 * of 1 worker over the plain loop. `MERIDIAN_BENCH_SWEEP_JOBS` sets the number of jobs (default 40). Prints one JSON
 * line.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { staticDataVersion } from "../core/research/ResearchJob"
import * as StaticDataSet from "../core/staticdata/StaticDataSet"
import { runJob } from "../runtimes/cli/ResearchJobRunner"

const JOBS = Number(process.env.MERIDIAN_BENCH_SWEEP_JOBS ?? 40)
const sp500 = join(process.cwd(), "node_modules", "vega-datasets", "data", "sp500-2000.csv")
const dir = mkdtempSync(join(tmpdir(), "meridian-bench-sweep-"))
const { DATABASE_URL: _, MERIDIAN_CLUSTER: __, ...env } = process.env
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits

// fast 2..(JOBS/4 + 1) × slow 60, 90, 120, 150: JOBS jobs, all valid (fast < slow).
const fasts = Array.from({ length: Math.ceil(JOBS / 4) }, (_, i) => String(i + 2))
const slows = ["60", "90", "120", "150"]

/** Jobs per second of one `meridian sweep` run phase, as it prints it. */
const sweep = (processes: number): number => {
  const result = spawnSync(
    process.execPath,
    [
      "runtimes/node/bin/meridian.mjs",
      "sweep",
      "--strategy",
      "sma-cross",
      "--grid",
      `fast=${fasts.join(",")}`,
      "--grid",
      `slow=${slows.join(",")}`,
      "--data",
      sp500,
      "--instrument",
      "SPX.SIM",
      "--processes",
      String(processes),
      "--db-dir",
      join(dir, `db-${processes}`)
    ],
    { encoding: "utf8", env }
  )
  if (result.status !== 0) throw new Error(`meridian sweep failed: ${result.stderr}`)
  const m = /^(\d+) completed, 0 failed in ([\d.]+) s/m.exec(result.stdout)
  if (m === null) throw new Error(`no summary in:\n${result.stdout}`)
  return Number(m[1]) / Number(m[2])
}

/** Jobs per second of the same jobs in a plain loop in this process. */
const loop = Effect.gen(function* () {
  const set = yield* StaticDataSet.loadShipped
  const loadSet = () => Effect.succeed(set)
  const specs = fasts.flatMap((fast) =>
    slows.map((slow) => ({
      jobId: `${fast}-${slow}`,
      sweepId: "bench",
      strategy: "sma-cross",
      strategyVersion: "0.1.0",
      params: { fast, slow },
      data: [sp500],
      instruments: ["SPX.SIM"],
      historyDir: ".meridian/history",
      staticData: { version: staticDataVersion(set) },
      settings: {
        cash: "100000",
        currency: "USD",
        tickSize: "0.01",
        lotSize: "1",
        accountKind: "cash" as const,
        closeAtEnd: false,
        periodsPerYear: 252,
        venue: { barFill: "next-open" as const, commission: "0", latencyUs: 0, seed: 1 }
      }
    }))
  )
  const start = performance.now()
  for (const spec of specs) {
    const outcome = yield* runJob(spec, loadSet)
    if (outcome._tag !== "Completed") throw new Error(outcome.error)
  }
  return specs.length / ((performance.now() - start) / 1000)
}).pipe(Effect.provide(NodeContext.layer))

try {
  const plain = await Effect.runPromise(loop)
  const one = sweep(1)
  const two = sweep(2)
  console.log(
    JSON.stringify({
      bench: "sweep",
      jobs: fasts.length * slows.length,
      loop_jobs_per_s: round(plain, 2),
      workers_1_jobs_per_s: round(one, 2),
      workers_2_jobs_per_s: round(two, 2),
      speedup: round(two / one, 2),
      overhead_per_job_pct: round((plain / one - 1) * 100, 1)
    })
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
