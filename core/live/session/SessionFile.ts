/**
 * What `meridian up --config <file>` reads: a session described once, from which the four services' configurations
 * are planned (`SessionPlan.ts`). Without `--config`, `up` runs `demo`.
 *
 * ```json
 * {
 *   "history": ".meridian/history",
 *   "instruments": ["SPX.SIM"],
 *   "from": "2000-01-01", "to": "2002-01-01",
 *   "pace": "lockstep",
 *   "account": { "id": "PAPER-1", "name": "Paper", "kind": "cash", "baseCurrency": "USD", "deposit": "100000" },
 *   "strategies": [{ "id": "sma-1", "strategy": "sma-cross", "params": { "fast": 10, "slow": 30 }, "account": "PAPER-1" }],
 *   "connector": { "sim": { "barFill": "next-open", "commission": "0.001" } }
 * }
 * ```
 *
 * `staticData` names a static data folder (default: the set shipped with Meridian). Relative paths are relative to
 * the file.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { InstrumentId } from "../../domain/Ids"
import { Account } from "../../domain/Portfolio"
import { ConnectorConfig } from "../execution/ExecutionConfig"
import { Pace } from "../market-data/MarketDataConfig"
import { StrategyInstance } from "../strategies/StrategiesConfig"

const Decimal = Schema.String.pipe(
  Schema.pattern(/^\d+(\.\d+)?$/, { message: () => "deposit must be a positive decimal, e.g. 100000" })
)

export const SessionFile = Schema.Struct({
  history: Schema.String.pipe(Schema.minLength(1)),
  staticData: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), { exact: true }),
  instruments: Schema.NonEmptyArray(InstrumentId),
  from: Schema.optionalWith(Schema.String, { exact: true }),
  to: Schema.optionalWith(Schema.String, { exact: true }),
  pace: Schema.optionalWith(Pace, { default: () => "lockstep" as const }),
  account: Schema.Struct({ ...Account.fields, deposit: Decimal }),
  strategies: Schema.NonEmptyArray(StrategyInstance),
  connector: ConnectorConfig
})
export type SessionFile = typeof SessionFile.Type

/**
 * The demo: the SMA crossover (10/30, long-only) paper trading two years of real S&P 500 daily bars in lockstep on
 * the simulated venue, 0.1% fees. The launcher imports the bars into the history first.
 */
export const demo: typeof SessionFile.Encoded = {
  history: ".meridian/history",
  instruments: ["SPX.SIM"],
  from: "2000-01-01",
  to: "2002-01-01",
  pace: "lockstep",
  account: { id: "PAPER-1", name: "Paper trading", kind: "cash", baseCurrency: "USD", deposit: "100000" },
  strategies: [{ id: "sma-1", strategy: "sma-cross", params: { fast: 10, slow: 30 }, account: "PAPER-1" }],
  connector: { sim: { barFill: "next-open", commission: "0.001" } }
}
