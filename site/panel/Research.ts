/**
 * The port through which the Control Panel sees what a quant works with: the strategy plugins installed where the
 * panel runs (with their parameter schemas), the market data history of its session (or data folder), and a way to
 * run a backtest off the panel's event loop. The runtime that starts the panel provides it
 * (`runtimes/cli/PanelHandlers.ts`: plugins from the registry's discovery, backtests in a local worker process);
 * without it the strategies and backtest pages say so.
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
import type { JobOutcome } from "../../core/research/ResearchJob"

/**
 * A strategy plugin (or an execution algorithm, which runs as a strategy) installed where the panel runs.
 *
 * @since 0.1.0
 * @category models
 */
export interface InstalledStrategy {
  /** Its manifest id, e.g. `strategy-sma-cross`. */
  readonly id: string
  readonly version: string
  readonly kind: "strategy" | "algo"
  readonly description: string
  /** Its package's folder: what a deployment and a backtest name, so that they run this version. */
  readonly dir: string
  /** Its parameters as JSON Schema (the manifest's `meridian.params`). */
  readonly params: unknown
}

/**
 * What the history holds of one instrument and kind.
 *
 * @since 0.1.0
 * @category models
 */
export interface HistorySeries {
  readonly instrument: string
  readonly kind: string
  /** First and last timestamps, µs. */
  readonly firstTs: number
  readonly lastTs: number
  readonly rows: number
}

/**
 * A backtest to run: a strategy plugin, its parameters as the command line takes them, the history's instruments and
 * a range of it.
 *
 * @since 0.1.0
 * @category models
 */
export interface BacktestLaunch {
  readonly strategy: InstalledStrategy
  readonly params: Readonly<Record<string, string>>
  readonly instruments: ReadonlyArray<string>
  /** µs, `to` exclusive. */
  readonly from: number
  readonly to: number
  /** Initial cash, a decimal in the account's currency. */
  readonly cash: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ResearchService {
  readonly strategies: Effect.Effect<ReadonlyArray<InstalledStrategy>>
  /** The parameters decoded with the strategy's own schema: undefined, or one line naming the field. */
  readonly checkParams: (
    strategy: InstalledStrategy,
    params: Readonly<Record<string, unknown>>
  ) => Effect.Effect<string | undefined>
  readonly history: Effect.Effect<ReadonlyArray<HistorySeries>>
  /** Run the backtest in a process of its own; `onProgress` hears how far its replay is. */
  readonly run: (launch: BacktestLaunch, onProgress: (done: number, total: number) => void) => Effect.Effect<JobOutcome>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Research extends Context.Tag("@meridian/site/panel/Research")<Research, ResearchService>() {}
