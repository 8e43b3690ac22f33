/**
 * Where a sweep's jobs come from, one at a time, as workers become free: a fixed list (a grid, a random sample), an
 * optimizer proposing each job from the results so far, or a walk-forward that optimizes each window and then tests
 * the window's best parameter set on the period after it. A source submits each job to the central database before
 * handing it out, and learns each job's score when its result is known. The same source runs on local worker
 * processes and on the cluster (`runtimes/cli/SweepRun.ts`).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { DatabaseError } from "../db/DatabaseError"
import { type Sweep, Sweeps } from "../db/Sweeps"
import type { ParamSet } from "./ParameterSpace"
import type { JobSpec } from "./ResearchJob"
import type { Propose, Trial } from "./Tpe"

/**
 * What a source has for a free worker: a job, nothing until a job in flight finishes (`Wait`), or nothing more ever.
 *
 * @since 0.1.0
 * @category models
 */
export type Step =
  | { readonly _tag: "Job"; readonly spec: JobSpec }
  | { readonly _tag: "Wait" }
  | { readonly _tag: "Done" }

/**
 * @since 0.1.0
 * @category models
 */
export interface JobSource {
  /** The next job (submitted to the database first), `Wait` or `Done`. */
  readonly take: Effect.Effect<Step, DatabaseError, Sweeps>
  /** A job handed out has its result: its objective's value (`-Infinity` for a failed or constrained-out run). */
  readonly finished: (spec: JobSpec, value: number) => void
  /** How many jobs the source hands out at most. */
  readonly total: number
}

const job = (spec: JobSpec): Step => ({ _tag: "Job", spec })
const wait: Step = { _tag: "Wait" }
const done: Step = { _tag: "Done" }

/**
 * How one sweep chooses its parameter sets: a list known in advance, or `trials` proposals from the results so far.
 *
 * @since 0.1.0
 * @category models
 */
export type Method =
  | { readonly _tag: "Sets"; readonly sets: ReadonlyArray<ParamSet> }
  | {
      readonly _tag: "Propose"
      readonly propose: Propose
      readonly trials: number
      readonly accept: (params: ParamSet) => boolean
    }

/**
 * A sweep's source, and what it learnt: its finished trials and the best of them.
 *
 * @since 0.1.0
 * @category models
 */
export interface SweepSource extends JobSource {
  /** Nothing more to hand out and every job handed out finished. */
  readonly settled: () => boolean
  /** The finished trial with the highest finite value (the first handed out among equals). */
  readonly best: () => Trial | undefined
}

/**
 * The source of one sweep: `sweep` (without jobs) is submitted on the first take, `specOf` makes a job of a
 * parameter set.
 *
 * @since 0.1.0
 * @category constructors
 */
export const sweepSource = (
  sweep: Omit<Sweep, "jobs">,
  method: Method,
  specOf: (params: ParamSet) => JobSpec
): SweepSource => {
  let issued = 0
  let submitted = false
  let exhausted = false
  // Handed out and not finished, by job id: the parameter set as proposed (without the fixed ones).
  const pending = new Map<string, { readonly params: ParamSet; readonly order: number }>()
  const trials: Array<Trial & { readonly order: number }> = []
  const submit = (specs: ReadonlyArray<JobSpec>) =>
    Effect.flatMap(Sweeps, (sweeps) =>
      sweeps.submit({ ...sweep, jobs: specs.map((spec) => ({ jobId: spec.jobId, parameters: spec.params })) })
    )
  const handOut = (params: ParamSet) => {
    const spec = specOf(params)
    pending.set(spec.jobId, { params, order: issued++ })
    return spec
  }
  const next: Effect.Effect<Step, DatabaseError, Sweeps> = Effect.suspend(() => {
    if (method._tag === "Sets") {
      if (!submitted) {
        // The whole list in one transaction, before anything runs.
        submitted = true
        return Effect.zipRight(submit(method.sets.map(specOf)), next)
      }
      const params = method.sets[issued]
      if (params === undefined) {
        exhausted = true
        return Effect.succeed(done)
      }
      return Effect.succeed(job(handOut(params)))
    }
    if (issued >= method.trials || exhausted) {
      exhausted = true
      return Effect.succeed(done)
    }
    const tried = [...trials, ...[...pending.values()].map((p) => ({ params: p.params, value: Number.NaN }))]
    const params = method.propose(tried, 1, method.accept)[0]
    if (params === undefined) {
      exhausted = true
      return Effect.succeed(done)
    }
    // Counted and pending before the submission yields: workers asking at once get distinct trials, never too many.
    const spec = handOut(params)
    const first = submitted ? [] : [submit([])]
    submitted = true
    return Effect.all([...first, submit([spec])], { discard: true }).pipe(Effect.as(job(spec)))
  })
  // One taker at a time: a second must not hand out a job before the first has submitted the sweep's jobs (its
  // result would find no job to record), and each proposal sees the ones before it.
  const one = Effect.unsafeMakeSemaphore(1)
  return {
    take: one.withPermits(1)(next),
    total: method._tag === "Sets" ? method.sets.length : method.trials,
    finished: (spec, value) => {
      const p = pending.get(spec.jobId)
      if (p === undefined) return
      pending.delete(spec.jobId)
      trials.push({ params: p.params, value, order: p.order })
    },
    settled: () => exhausted && pending.size === 0,
    best: () => {
      let best: (Trial & { readonly order: number }) | undefined
      for (const t of trials) {
        if (!Number.isFinite(t.value)) continue
        if (best === undefined || t.value > best.value || (t.value === best.value && t.order < best.order)) best = t
      }
      return best
    }
  }
}

/**
 * One window of a walk-forward: its optimization, and its test of a parameter set (a source of one job).
 *
 * @since 0.1.0
 * @category models
 */
export interface WindowPlan {
  readonly optimize: SweepSource
  readonly test: (params: ParamSet) => SweepSource
}

/**
 * The source of a walk-forward: the windows' optimizations in order (a later window's jobs run while an earlier
 * one's finish), and each window's test as soon as its optimization settled, with its best parameter set. A window
 * whose trials all failed or broke a constraint has no test (the report shows it flat).
 *
 * @since 0.1.0
 * @category constructors
 */
export const walkForwardSource = (plans: ReadonlyArray<WindowPlan>): JobSource => {
  const tests: Array<SweepSource | "none" | undefined> = plans.map(() => undefined)
  const owner = new Map<string, SweepSource>()
  const take: Effect.Effect<Step, DatabaseError, Sweeps> = Effect.gen(function* () {
    for (const [k, plan] of plans.entries()) {
      if (tests[k] !== undefined || !plan.optimize.settled()) continue
      const best = plan.optimize.best()
      tests[k] = best === undefined ? "none" : plan.test(best.params)
    }
    for (const source of [...tests, ...plans.map((p) => p.optimize)]) {
      if (source === undefined || source === "none") continue
      const step = yield* source.take
      if (step._tag === "Job") {
        owner.set(step.spec.jobId, source)
        return step
      }
    }
    return tests.some((t) => t === undefined) ? wait : done
  })
  return {
    take,
    total: plans.reduce((n, p) => n + p.optimize.total + 1, 0),
    finished: (spec, value) => owner.get(spec.jobId)?.finished(spec, value)
  }
}
