/**
 * `meridian sweep` without a cluster: the jobs run in local worker processes (`meridian worker --ipc`, one per core),
 * one job at a time each, handed over and answered through Node's IPC channel (structured clone: the report's typed
 * arrays arrive as they left). The parent records every outcome, so the local processes need no database: the
 * embedded one is a single session inside the parent. A worker is sent `{ job, progress }`; when `progress` is
 * true it also tells its parent how far the replay is (`{ jobId, progress: [done, total] }`, at most every
 * `PROGRESS_EVERY_MS`): the Control Panel shows it (`runOne`); a sweep does not ask.
 *
 * @since 0.1.0
 */
import { type ChildProcess, fork } from "node:child_process"
import { availableParallelism } from "node:os"
import { Config, Deferred, Effect, Option, Queue, Schema, type Scope } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import { compactEquity, decodeEquity, encodeEquity } from "../../core/db/internal/equitySeries"
import { JobRunner } from "../../core/research/JobRunner"
import { type EncodedOutcome, type JobOutcome, JobSpec } from "../../core/research/ResearchJob"

/** What a local worker is sent: the job, and whether to tell how far its replay is. */
const Request = Schema.Struct({ job: JobSpec, progress: Schema.Boolean })

/**
 * A job's outcome travels with the report's equity curve in its stored binary form, deflated (`EncodedOutcome`,
 * `compactEquity`): a 50,000-bar curve's three arrays of doubles are 1.2 MB, its bytes 26 kB. Node's IPC channel
 * copies what it has read of a message at every chunk it reads, and the embedded database's work is mostly per byte,
 * both in the sweep process that every worker waits on; the deflating is done in the worker, beside its job. A sweep
 * stores the bytes as they came; only `runOne` decodes them.
 */
const toWire = (outcome: JobOutcome): EncodedOutcome => {
  if (outcome._tag === "Failed" || outcome.run.report === undefined) return outcome as EncodedOutcome
  const report = outcome.run.report
  try {
    return {
      ...outcome,
      run: { ...outcome.run, report: { ...report, equity: compactEquity(encodeEquity(report.equity)) } }
    }
  } catch (e) {
    return { _tag: "Failed", error: e instanceof Error ? e.message : String(e) }
  }
}

const fromWire = (wire: EncodedOutcome): JobOutcome =>
  wire._tag === "Failed" || wire.run.report === undefined
    ? (wire as JobOutcome)
    : { ...wire, run: { ...wire.run, report: { ...wire.run.report, equity: decodeEquity(wire.run.report.equity) } } }

/** What a local worker answers: the job and its outcome. */
interface Reply {
  readonly jobId: string
  readonly outcome: EncodedOutcome
}

const isReply = (message: unknown): message is Reply =>
  typeof message === "object" && message !== null && "jobId" in message && "outcome" in message

/** How often a worker tells its parent how far its job's replay is, ms. */
export const PROGRESS_EVERY_MS = 250

const isProgress = (message: unknown, jobId: string): message is { readonly progress: readonly [number, number] } =>
  typeof message === "object" &&
  message !== null &&
  "jobId" in message &&
  message.jobId === jobId &&
  "progress" in message &&
  Array.isArray(message.progress)

const workerError = (message: string) => new BacktestError({ reason: "Config", message })

/**
 * V8's settings for a local worker of a sweep of `count` processes. V8 collects with helper threads, which pay off
 * only on an idle core: with a worker on every core they take CPU from the other workers, more than they save their
 * own. A plain loop of the bench's minute-bar jobs (load 20, the session at autogroup nice -15): 75 ms of CPU per job
 * of which 42-51 ms on the main thread; with this and 32 MB semi-spaces 59-60 ms, 51-52 ms on the main thread.
 *
 * The same holds for V8's optimizing compiler, which compiles a hot function on a background thread while the main
 * thread goes on in the unoptimized code: a fresh worker's first 15-20 jobs are its warm-up, and with no spare core
 * that thread waits for a CPU, so the worker runs the slow code for longer. Compiled on the main thread instead, a
 * worker's first 20 minute-bar jobs of a 2-process sweep took 1.20-1.57 s of CPU against 1.30-1.81 s (7 alternating
 * pairs at load 14-25, both workers' mean lower in each pair; in all 1.34 against 1.56 s); its CPU per job afterwards
 * did not change within what that load resolves.
 *
 * Only flags outside the check of V8's code cache: `meridian` starts from its bundle compiled once and cached
 * (`runtimes/node/bin/meridian.mjs`), and V8 refuses a cache written under other flags. `--max-semi-space-size=32`
 * is one of them: with it, the workers and the sweep process refused each other's caches (written at exit, beside
 * the same scripts) and each compiled the bundle again at every start, 0.4-0.6 s of CPU per worker (a worker's CPU
 * until its first job 0.91-1.24 s against 0.61-0.69 s). Its gain is gone since a worker parses its data once: a
 * 1-process sweep's worker took 71-87 ms of CPU per minute-bar job without it, 78-91 ms with it (3 alternating pairs,
 * load 12-15).
 */
const workerV8Flags = (count: number): ReadonlyArray<string> =>
  // Bun's engine is not V8 (it ignores these).
  "bun" in process.versions
    ? []
    : count >= availableParallelism()
      ? ["--single-threaded-gc", "--no-concurrent-recompilation"]
      : []

/**
 * The job a fresh local worker runs to warm up (`warmUp`), as JSON in its environment: given at its start rather than
 * sent, it is there before anything else can be.
 */
const WARM_UP_ENV = "MERIDIAN_WORKER_WARM_UP"

/**
 * How many times a fresh worker runs its warm-up job at most, stopping as soon as a job arrives. A worker's first
 * minute-bar job takes about ten times the CPU of a later one (its data parsed, then code V8 has not optimized yet:
 * about 250, 150, 80 ms, then 35-70 ms until the fifteenth, against 25), and a sweep on the embedded database hands out
 * its first job only once the database is open, a second or more after the workers are ready.
 */
const WARM_UP_RUNS = 12

/** A local worker process, ended when the scope closes (and waited for: no process outlives the sweep). */
const spawnWorker = (v8Flags: ReadonlyArray<string>, warmUp?: JobSpec) =>
  Effect.acquireRelease(
    Effect.try({
      // This same command line, in worker mode: `process.argv[1]` is the `meridian` script that is running.
      try: () =>
        fork(process.argv[1]!, ["worker", "--ipc"], {
          execArgv: [...process.execArgv, ...v8Flags],
          serialization: "advanced",
          stdio: ["ignore", "inherit", "inherit", "ipc"],
          ...(warmUp !== undefined && {
            env: { ...process.env, [WARM_UP_ENV]: JSON.stringify(Schema.encodeSync(JobSpec)(warmUp)) }
          })
        }),
      catch: (e) => workerError(`cannot start a local worker: ${String(e)}`)
    }),
    (child) =>
      Effect.async<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.kill()
      }).pipe(Effect.timeout("5 seconds"), Effect.ignore)
  )

/**
 * Local worker processes, started as soon as a sweep knows it needs them: a process takes about 0.6 s of CPU to
 * start, which overlaps the opening of the embedded database instead of delaying the first jobs.
 *
 * @since 0.1.0
 * @category models
 */
export interface Workers {
  readonly children: ReadonlyArray<ChildProcess>
  /** V8's settings they run with (a replacement gets the same). */
  readonly v8Flags: ReadonlyArray<string>
}

/**
 * Start `count` local workers (at least one), ended when the scope closes. Each runs `warmUp` (a job of the sweep, its
 * outcome dropped) while it waits for its first job, up to `WARM_UP_RUNS` times: its data is parsed and its code
 * optimized by then, while the sweep process opens its database.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startWorkers = (count: number, warmUp?: JobSpec): Effect.Effect<Workers, BacktestError, Scope.Scope> =>
  Effect.suspend(() => {
    const v8Flags = workerV8Flags(Math.max(1, count))
    return Effect.map(
      Effect.all(Array.from({ length: Math.max(1, count) }, () => spawnWorker(v8Flags, warmUp))),
      (children) => ({ children, v8Flags })
    )
  })

/** Send `spec` to `child` and wait for its outcome; fails when the process ends first. */
const request = (child: ChildProcess, spec: JobSpec, onProgress?: (done: number, total: number) => void) =>
  Effect.async<EncodedOutcome, BacktestError>((resume) => {
    const onMessage = (message: unknown) => {
      if (onProgress !== undefined && isProgress(message, spec.jobId)) onProgress(...message.progress)
      if (!isReply(message) || message.jobId !== spec.jobId) return
      cleanup()
      resume(Effect.succeed(message.outcome))
    }
    const onExit = (code: number | null, signal: string | null) => {
      cleanup()
      resume(
        Effect.fail(workerError(`a local worker ended (${signal ?? `exit code ${code}`}) running job ${spec.jobId}`))
      )
    }
    const cleanup = () => {
      child.off("message", onMessage)
      child.off("exit", onExit)
    }
    child.on("message", onMessage)
    child.once("exit", onExit)
    child.send({ job: spec, progress: onProgress !== undefined } satisfies typeof Request.Encoded)
    return Effect.sync(cleanup)
  })

/**
 * How many jobs a worker holds at once: the one it runs and the next, waiting in its channel. A worker that
 * finishes starts the next at once instead of waiting for this process to answer, which is busy now and then for
 * tens of ms at a time (the embedded database runs on its thread); the cost is at most one job's time at the end.
 */
const JOBS_PER_WORKER = 2

/**
 * Run the jobs `next` hands out (until it has none) in the local `workers`, handing each outcome to `record` as it
 * arrives (`record` must not wait for the database); each worker is sent its next job while it runs one
 * (`JOBS_PER_WORKER`), asked of `next` then, so an optimizer proposes it from the outcomes so far (and `next` may
 * wait for one). A worker that dies is replaced (its jobs run again in the new one), at most twice per worker.
 *
 * @since 0.1.0
 */
export const runInProcesses = <E, R>(
  next: Effect.Effect<Option.Option<JobSpec>, E, R>,
  workers: Workers,
  record: (spec: JobSpec, outcome: EncodedOutcome, worker: string) => Effect.Effect<void, E, R>
): Effect.Effect<void, E | BacktestError, R> =>
  Effect.gen(function* () {
    // Jobs of a worker that died, run first by the next free one.
    const retry = yield* Queue.unbounded<JobSpec>()
    const take = Effect.flatMap(Queue.poll(retry), (again) => (Option.isSome(again) ? Effect.succeed(again) : next))
    // A worker's lanes: each sends a job, waits for its outcome and takes the next; the worker runs them in turn.
    const lane = (child: ChildProcess, name: string) =>
      Effect.gen(function* () {
        while (true) {
          const job = yield* take
          if (Option.isNone(job)) return
          // A job whose worker died, or whose other lane saw it die first (interrupting this one), runs again.
          const outcome = yield* request(child, job.value).pipe(Effect.onError(() => Queue.offer(retry, job.value)))
          yield* record(job.value, outcome, name)
        }
      })
    const serve = (child: ChildProcess) =>
      Effect.all(
        Array.from({ length: JOBS_PER_WORKER }, () => lane(child, `local-${child.pid}`)),
        { concurrency: "unbounded", discard: true }
      )
    const slot = (child: ChildProcess, restarts: number): Effect.Effect<void, E | BacktestError, R> =>
      serve(child).pipe(
        Effect.catchIf(
          (e): e is BacktestError => e instanceof BacktestError && restarts < 2,
          () => Effect.scoped(Effect.flatMap(spawnWorker(workers.v8Flags), (again) => slot(again, restarts + 1)))
        )
      )
    yield* Effect.all(
      workers.children.map((child) => slot(child, 0)),
      { concurrency: "unbounded", discard: true }
    )
  })

/**
 * One job in a local worker process of its own (ended when it is done or interrupted), `onProgress` hearing how far
 * its replay is: a backtest the Control Panel launches runs off the panel's event loop.
 *
 * @since 0.1.0
 */
export const runOne = (
  spec: JobSpec,
  onProgress: (done: number, total: number) => void
): Effect.Effect<JobOutcome, BacktestError> =>
  Effect.scoped(
    Effect.flatMap(spawnWorker(workerV8Flags(1)), (child) => Effect.map(request(child, spec, onProgress), fromWire))
  )

/**
 * The worker side: run each job the parent sends and answer with its outcome, until the parent goes.
 *
 * @since 0.1.0
 */
export const serveParent: Effect.Effect<void, BacktestError, JobRunner> = Effect.gen(function* () {
  const send = process.send?.bind(process)
  if (send === undefined) return yield* workerError("meridian worker --ipc runs only as meridian sweep's local worker")
  const runner = yield* JobRunner
  const jobs = yield* Queue.unbounded<unknown>()
  const gone = yield* Deferred.make<void>()
  yield* Effect.acquireRelease(
    Effect.sync(() => {
      const onMessage = (message: unknown) => Queue.unsafeOffer(jobs, message)
      const onDisconnect = () => Deferred.unsafeDone(gone, Effect.void)
      process.on("message", onMessage)
      process.once("disconnect", onDisconnect)
      return { onMessage, onDisconnect }
    }),
    ({ onMessage, onDisconnect }) =>
      Effect.sync(() => {
        process.off("message", onMessage)
        process.off("disconnect", onDisconnect)
      })
  )
  // Warm up until the first job arrives: the replay is synchronous, so the channel is read between runs.
  const warmUp = yield* Config.option(Config.string(WARM_UP_ENV)).pipe(
    Effect.mapError((e) => workerError(`cannot read ${WARM_UP_ENV}: ${String(e)}`))
  )
  if (Option.isSome(warmUp)) {
    const spec = yield* Schema.decodeUnknown(Schema.parseJson(JobSpec))(warmUp.value).pipe(
      Effect.mapError((e) => workerError(`not a job to warm up with: ${e.message}`))
    )
    for (let run = 0; run < WARM_UP_RUNS; run++) {
      yield* Effect.async<void>((resume) => {
        setImmediate(() => resume(Effect.void))
      })
      if ((yield* Queue.size(jobs)) > 0 || (yield* Deferred.isDone(gone))) break
      yield* runner.run(spec)
    }
  }
  const serve = Effect.forever(
    Effect.gen(function* () {
      const { job: spec, progress } = yield* Queue.take(jobs).pipe(
        Effect.flatMap(Schema.decodeUnknown(Request)),
        Effect.mapError((e) => workerError(`not a job from the parent: ${e.message}`))
      )
      let last = 0
      const outcome = yield* runner.run(
        spec,
        progress
          ? (done, total) => {
              // Throttled: a replay calls this every few thousand events, the parent needs a few updates a second.
              const now = performance.now()
              if (now - last < PROGRESS_EVERY_MS && done < total) return
              last = now
              send({ jobId: spec.jobId, progress: [done, total] })
            }
          : undefined
      )
      yield* Effect.async<void>((resume) => {
        send({ jobId: spec.jobId, outcome: toWire(outcome) } satisfies Reply, undefined, undefined, () =>
          resume(Effect.void)
        )
      })
    })
  )
  yield* Effect.raceFirst(serve, Deferred.await(gone))
}).pipe(Effect.scoped)
