/**
 * Wiring of `meridian backtest` and `meridian demo`: the backtest job (`core/backtest/BacktestJob.ts`) on the
 * simulated venue of the `connector-sim` plugin, with the strategy `registry/src/StrategyLoader.ts` finds; the SMA
 * crossover is built into the command line.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import { type BacktestJob, type JobVenue, runBacktestJob } from "../../core/backtest/BacktestJob"
import { fixedLatency, noFees, noSlippage, notionalFractionFee, SimVenue } from "../../plugins/connector-sim/src/index"
import smaCrossPackage from "../../plugins/strategy-sma-cross/package.json" with { type: "json" }
import smaCross from "../../plugins/strategy-sma-cross/src/index"
import { jobStrategy, type LoadedStrategy, loadStrategy } from "../../registry/src/StrategyLoader"

const smaCrossPlugin: LoadedStrategy = {
  strategy: smaCross,
  origin: {
    kind: "package",
    dir: new URL("../../plugins/strategy-sma-cross/", import.meta.url),
    version: smaCrossPackage.version
  }
}

/** Strategies known by name; others are loaded from a path. */
export const builtIn: Record<string, LoadedStrategy> = { "sma-cross": smaCrossPlugin, [smaCross.id]: smaCrossPlugin }

/** The simulated venue the job's settings describe: fill, fee as a fraction of notional (`"0"`: none), latency, seed. */
const simulatedVenue = (settings: BacktestJob["venue"]): Effect.Effect<JobVenue, BacktestError> =>
  Effect.gen(function* () {
    const fees =
      settings.commission === "0"
        ? noFees
        : yield* Effect.try({
            try: () => notionalFractionFee(settings.commission),
            catch: () =>
              new BacktestError({
                reason: "Config",
                message: `--commission ${settings.commission} is not a decimal fraction`
              })
          })
    return {
      make: (specs, report, funds) =>
        new SimVenue({
          specs,
          barFill: settings.barFill,
          fees,
          latency: fixedLatency(settings.latencyUs),
          slippage: noSlippage,
          seed: settings.seed,
          report,
          funds
        }),
      takerFee: (spec, price, quantity) => fees.fee(spec, "taker", price, quantity)
    }
  })

/** Runs the backtest `job` describes on the simulated venue, with the strategy it names. */
export const runSimBacktest = (job: BacktestJob) =>
  Effect.gen(function* () {
    const venue = yield* simulatedVenue(job.venue)
    const loaded = yield* loadStrategy(job.strategy, builtIn)
    return yield* runBacktestJob(job, jobStrategy(loaded), venue)
  })
