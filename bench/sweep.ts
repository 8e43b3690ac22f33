/**
 * Sweep throughput: the same grid of SMA-crossover backtests run by `meridian sweep` in 1 and in 2 local worker
 * processes on the embedded database, against the same jobs run in a plain loop in this process (no processes, no
 * database). Each job replays `MERIDIAN_BENCH_SWEEP_BARS` seeded one-minute bars (default 50,000, about a quarter
 * of a year of a 24-hour market: about 25 ms of a worker's CPU once it parsed the file; `5105` replays the S&P 500's
 * daily bars of 2000-2010 instead); `MERIDIAN_BENCH_SWEEP_JOBS` sets the number of jobs (default 120).
 *
 * Figures: jobs per second of the loop and of each sweep's run phase (from submission to the last result recorded;
 * the processes start, the embedded database opens and the workers warm up before it), each sweep's whole wall time
 * from its command to its exit (`workers_*_total_s`, and `total_speedup` from them: what a user waits, start included), the speed-up of 2 workers over 1 and the wall-time
 * overhead of 1 worker over the loop — both depend on the machine being otherwise idle; the same for the jobs after
 * the first third (`later_*`: from the moment the first third had finished to the last answer of a worker, and in
 * the loop the same jobs). A fresh worker's first jobs run in code V8 has not optimized yet (a minute-bar job's first
 * takes about ten times the CPU of a later one): a fixed cost per worker, which weighs most in a run phase of a few
 * seconds, while a longer sweep runs at the later rate. And, robust to other load,
 * CPU milliseconds per job: of the loop, and of a sweep (its process and its workers together) from the difference
 * between a sweep of all the jobs and a sweep of the first third of them, i.e. without the fixed costs of starting
 * (about 4-5 s of CPU, which other load varies by a second or more: hence a difference over many jobs), with the
 * recording of every result; the CPU of the sweep process and of its workers from their first job on
 * (`internal/cpuAtExit.cjs`), per job from the same difference, and from it the speed-up 2 workers can reach on 2
 * otherwise idle cores, `2w / (w + s)` for a worker's CPU `w` and the sweep process's `s` per job (each job costs
 * both; with 1 worker the sweep process has the other core to itself), and the overhead of a worker's CPU per job
 * over the loop's. With 2 workers, what their main threads did besides running, in % of their wall time from their
 * first job to their last answer: waiting for a CPU (`workers_2_runnable_pct`: other load, or the sweep's own
 * processes and threads outnumbering the cores) and blocked (`workers_2_blocked_pct`: waiting on something, such as
 * the sweep process handing out the next job). Prints one JSON line.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { cachedCsvReader } from "../core/research/CsvColumnsCache"
import * as StaticDataSet from "../core/staticdata/StaticDataSet"
import { runJob } from "../runtimes/cli/ResearchJobRunner"
import { benchData, benchSpec } from "./internal/sweepJobs"

const JOBS = Number(process.env.MERIDIAN_BENCH_SWEEP_JOBS ?? 120)
const BARS = Number(process.env.MERIDIAN_BENCH_SWEEP_BARS ?? 50_000)
const dir = mkdtempSync(join(tmpdir(), "meridian-bench-sweep-"))
const { DATABASE_URL: _, MERIDIAN_CLUSTER: __, ...env } = process.env
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits

const { file: data, daily } = benchData(BARS, dir)
// fast × 4 slow lengths: JOBS jobs, all valid (fast < slow); on minute bars, lengths of hours.
const fasts = Array.from({ length: Math.ceil(JOBS / 4) }, (_, i) => String(daily ? i + 2 : 10 * (i + 2)))
const slows = daily ? ["60", "90", "120", "150"] : ["600", "900", "1200", "1500"]

/** CPU ms of this process's waited-for children so far (`/proc/self/stat` cutime + cstime, in clock ticks). */
const childrenCpuMs = (): number => {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")
  return (Number(fields[13]) + Number(fields[14])) * 10
}

/**
 * CPU ms of the sweep process and of its workers from their first job on, as `internal/cpuAtExit.cjs` logged them
 * in `log`; and the share of the workers' main threads' wall time (from their first job to their last answer) spent
 * waiting for a CPU and blocked (waiting on something else: the next job, the sweep process), in %.
 */
const splitCpu = (
  log: string
): {
  replyMs: ReadonlyArray<number>
  sweepMs: number
  workersMs: number
  workersRunnablePct: number
  workersBlockedPct: number
} => {
  const lines = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []
  const of = (role: string, field: number) =>
    lines.reduce((ms, line) => {
      const fields = line.split(" ")
      return fields[1] === role ? ms + Number(fields[field]) : ms
    }, 0)
  const wall = of("worker", 4)
  const pct = (ms: number) => (wall > 0 ? (ms / wall) * 100 : Number.NaN)
  const replies = lines.find((line) => line.split(" ")[1] === "replies")
  return {
    replyMs: replies === undefined ? [] : replies.split(" ").slice(2).map(Number),
    sweepMs: of("sweep", 3),
    workersMs: of("worker", 3),
    workersRunnablePct: pct(of("worker", 5)),
    workersBlockedPct: pct(of("worker", 6))
  }
}

/**
 * One `meridian sweep` of the first `count` grid sets: its run phase's jobs per second, its CPU ms in all and that
 * CPU split between the sweep process and its workers.
 */
/**
 * Jobs per second from the first third of `doneMs` (when each job finished, ms, in order) on: the rate of a run's later
 * jobs, its workers started and past their first jobs' JIT warm-up (up to a few hundred ms a job in a fresh process).
 */
const laterJobsPerS = (doneMs: ReadonlyArray<number>): number => {
  const from = Math.ceil(doneMs.length / 3) - 1
  return (doneMs.length - 1 - from) / ((doneMs.at(-1)! - doneMs[from]!) / 1000)
}

const sweep = (
  processes: number,
  count: number,
  db: string
): { jobsPerS: number; laterJobsPerS: number; cpuMs: number; totalS: number } & ReturnType<typeof splitCpu> => {
  const before = childrenCpuMs()
  const start = performance.now()
  const log = join(dir, `cpu-${processes}-${count}.log`)
  const result = spawnSync(
    process.execPath,
    [
      "--require",
      join(import.meta.dirname, "internal", "cpuAtExit.cjs"),
      "runtimes/node/bin/meridian.mjs",
      "sweep",
      "--strategy",
      "sma-cross",
      "--grid",
      `fast=${fasts.slice(0, Math.ceil(count / slows.length)).join(",")}`,
      "--grid",
      `slow=${slows.slice(0, Math.min(count, slows.length)).join(",")}`,
      "--data",
      data,
      "--instrument",
      "SPX.SIM",
      "--processes",
      String(processes),
      "--db-dir",
      join(dir, db)
    ],
    { encoding: "utf8", env: { ...env, MERIDIAN_BENCH_CPU_LOG: log } }
  )
  const totalS = (performance.now() - start) / 1000
  if (result.status !== 0) throw new Error(`meridian sweep failed: ${result.stderr}`)
  const m = /^(\d+) completed, 0 failed in ([\d.]+) s/m.exec(result.stdout)
  if (m === null) throw new Error(`no summary in:\n${result.stdout}`)
  const split = splitCpu(log)
  return {
    jobsPerS: Number(m[1]) / Number(m[2]),
    laterJobsPerS: laterJobsPerS(split.replyMs),
    cpuMs: childrenCpuMs() - before,
    totalS,
    ...split
  }
}

/**
 * Jobs per second and CPU ms per job of the same jobs in a plain loop in this process (after one to warm up), the
 * data file parsed once as a worker parses it.
 */
const loop = Effect.gen(function* () {
  const set = yield* StaticDataSet.loadShipped
  const loadSet = () => Effect.succeed(set)
  const readCsv = cachedCsvReader()
  const specs = fasts.flatMap((fast) =>
    slows.map((slow) => benchSpec(set, data, "bench", `${fast}-${slow}`, { fast, slow }))
  )
  yield* runJob(specs[0]!, loadSet, undefined, readCsv)
  const cpu = process.cpuUsage()
  const start = performance.now()
  const doneMs: Array<number> = []
  for (const spec of specs) {
    const outcome = yield* runJob(spec, loadSet, undefined, readCsv)
    if (outcome._tag !== "Completed") throw new Error(outcome.error)
    doneMs.push(performance.now())
  }
  const used = process.cpuUsage(cpu)
  return {
    jobsPerS: specs.length / ((performance.now() - start) / 1000),
    laterJobsPerS: laterJobsPerS(doneMs),
    cpuMsPerJob: (used.user + used.system) / 1000 / specs.length
  }
}).pipe(Effect.provide(NodeContext.layer))

try {
  const plain = await Effect.runPromise(loop)
  const jobs = fasts.length * slows.length
  // A first sweep makes (and migrates) the database; then the difference between a sweep of a third of the jobs and
  // the full sweep's CPU is what the other jobs cost.
  const third = Math.ceil(jobs / slows.length / 3) * slows.length
  sweep(1, 1, "db")
  const some = sweep(1, third, "db")
  const w1 = sweep(1, jobs, "db")
  const w2 = sweep(2, jobs, "db")
  const perJob = (ms: (s: typeof w1) => number) => (ms(w1) - ms(some)) / (jobs - third)
  const sweepCpuPerJob = perJob((s) => s.cpuMs)
  const processCpuPerJob = perJob((s) => s.sweepMs)
  const workerCpuPerJob = perJob((s) => s.workersMs)
  console.log(
    JSON.stringify({
      bench: "sweep",
      jobs,
      bars_per_job: BARS,
      loop_jobs_per_s: round(plain.jobsPerS, 2),
      workers_1_jobs_per_s: round(w1.jobsPerS, 2),
      workers_2_jobs_per_s: round(w2.jobsPerS, 2),
      speedup: round(w2.jobsPerS / w1.jobsPerS, 2),
      overhead_per_job_pct: round((plain.jobsPerS / w1.jobsPerS - 1) * 100, 1),
      workers_1_total_s: round(w1.totalS, 2),
      workers_2_total_s: round(w2.totalS, 2),
      total_speedup: round(w1.totalS / w2.totalS, 2),
      later_loop_jobs_per_s: round(plain.laterJobsPerS, 2),
      later_workers_1_jobs_per_s: round(w1.laterJobsPerS, 2),
      later_workers_2_jobs_per_s: round(w2.laterJobsPerS, 2),
      later_speedup: round(w2.laterJobsPerS / w1.laterJobsPerS, 2),
      later_overhead_per_job_pct: round((plain.laterJobsPerS / w1.laterJobsPerS - 1) * 100, 1),
      loop_cpu_ms_per_job: round(plain.cpuMsPerJob, 1),
      sweep_cpu_ms_per_job: round(sweepCpuPerJob, 1),
      cpu_overhead_per_job_pct: round((sweepCpuPerJob / plain.cpuMsPerJob - 1) * 100, 1),
      sweep_fixed_cpu_ms: round(some.cpuMs - third * sweepCpuPerJob, 0),
      sweep_process_cpu_ms_per_job: round(processCpuPerJob, 1),
      worker_cpu_ms_per_job: round(workerCpuPerJob, 1),
      worker_cpu_overhead_pct: round((workerCpuPerJob / plain.cpuMsPerJob - 1) * 100, 1),
      speedup_from_cpu: round(Math.min(2, (2 * workerCpuPerJob) / (workerCpuPerJob + processCpuPerJob)), 2),
      workers_2_runnable_pct: round(w2.workersRunnablePct, 1),
      workers_2_blocked_pct: round(w2.workersBlockedPct, 1)
    })
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
