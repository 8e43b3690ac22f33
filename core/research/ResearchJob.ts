/**
 * One backtest of a sweep, as sent to a worker: everything the run depends on travels with it (strategy and the
 * version it must have, parameters, data and its range, the static data's version, the account and venue
 * settings), so any worker runs it the same way, and a worker that finds another strategy version or other static
 * data refuses it rather than storing a different result.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { Schema } from "effect"
import type { BacktestJob } from "../backtest/BacktestJob"
import type { BacktestRun } from "../db/BacktestRuns"
import type { RunWithEncodedCurve } from "../db/Sweeps"
import type { StaticDataSet } from "../staticdata/StaticDataSet"

/**
 * The account, units, venue and report settings every job of a sweep shares (`meridian backtest`'s options).
 *
 * @since 0.1.0
 * @category models
 */
export const JobSettings = Schema.Struct({
  cash: Schema.String,
  currency: Schema.String,
  tickSize: Schema.String,
  lotSize: Schema.String,
  timezone: Schema.optional(Schema.String),
  accountKind: Schema.Literal("cash", "margin"),
  closeAtEnd: Schema.Boolean,
  periodsPerYear: Schema.Number,
  venue: Schema.Struct({
    barFill: Schema.Literal("next-open", "close"),
    commission: Schema.String,
    latencyUs: Schema.Number,
    seed: Schema.Number
  })
})
export type JobSettings = typeof JobSettings.Type

/**
 * The fields of a job (the payload of the cluster message).
 *
 * @since 0.1.0
 * @category models
 */
export const jobFields = {
  jobId: Schema.String,
  sweepId: Schema.String,
  /** A built-in strategy's name, a plugin id, or a path to a strategy file or package. */
  strategy: Schema.String,
  /** The version the strategy must have where the job runs (its plugin's, `local` for a file). */
  strategyVersion: Schema.String,
  params: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** Files, or `catalog:A,B` for the market data history. */
  data: Schema.Array(Schema.String),
  instruments: Schema.Array(Schema.String),
  historyDir: Schema.String,
  /** Range of the history to replay, µs since the epoch (`to` exclusive). */
  from: Schema.optional(Schema.Number),
  to: Schema.optional(Schema.Number),
  /** Folder of the static data set (the shipped set when absent) and the version it must have (`staticDataVersion`). */
  staticData: Schema.Struct({ dir: Schema.optional(Schema.String), version: Schema.String }),
  settings: JobSettings
}

/**
 * @since 0.1.0
 * @category models
 */
export const JobSpec = Schema.Struct(jobFields)
export type JobSpec = typeof JobSpec.Type

/**
 * What running a job gave: its run (all but the time it is stored at and its status), or why it failed.
 *
 * @since 0.1.0
 * @category models
 */
export type JobOutcome =
  | { readonly _tag: "Completed"; readonly run: Omit<BacktestRun, "createdAt" | "status"> }
  | { readonly _tag: "Failed"; readonly error: string }

/**
 * A job's outcome with its report's curve in the stored binary form (`RunWithEncodedCurve`): how a local worker
 * answers, a tenth of the curve's arrays, and stored as it is.
 *
 * @since 0.1.0
 * @category models
 */
export type EncodedOutcome =
  | Extract<JobOutcome, { readonly _tag: "Failed" }>
  | { readonly _tag: "Completed"; readonly run: Omit<RunWithEncodedCurve, "createdAt" | "status"> }

/**
 * A job's id: its sweep and parameters (a sweep's jobs differ by their parameters only), so the same job submitted
 * again is recognised.
 *
 * @since 0.1.0
 * @category constructors
 */
export const jobId = (sweepId: string, params: Readonly<Record<string, string>>): string =>
  createHash("sha256")
    .update(JSON.stringify([sweepId, Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]))
    .digest("hex")
    .slice(0, 16)

/**
 * A static data set's version: a hash of its content, the same wherever the set is loaded from.
 *
 * @since 0.1.0
 * @category constructors
 */
export const staticDataVersion = (set: StaticDataSet): string =>
  createHash("sha256").update(JSON.stringify(set)).digest("hex").slice(0, 16)

/**
 * The backtest a job runs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toBacktestJob = (spec: JobSpec): BacktestJob => ({
  strategy: spec.strategy,
  data: spec.data,
  instruments: spec.instruments,
  params: spec.params,
  historyDir: spec.historyDir,
  ...(spec.from !== undefined && { from: spec.from }),
  ...(spec.to !== undefined && { to: spec.to }),
  cash: spec.settings.cash,
  currency: spec.settings.currency,
  tickSize: spec.settings.tickSize,
  lotSize: spec.settings.lotSize,
  ...(spec.settings.timezone !== undefined && { timezone: spec.settings.timezone }),
  accountKind: spec.settings.accountKind,
  closeAtEnd: spec.settings.closeAtEnd,
  periodsPerYear: spec.settings.periodsPerYear,
  venue: spec.settings.venue
})
