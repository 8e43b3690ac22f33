/**
 * The Strategies Service's configuration file (JSON): where it serves its status and metrics, which Accounts and
 * Market Data Services it follows, and the strategy instances it runs.
 *
 * ```json
 * {
 *   "listen": { "host": "127.0.0.1", "port": 7500 },
 *   "instance": "strategies-1",
 *   "region": "eu-west",
 *   "keys": { "cli": { "env": "MERIDIAN_KEY_CLI" } },
 *   "journalDir": "var/strategies",
 *   "accounts": { "address": { "host": "127.0.0.1", "port": 7400 }, "shards": 1, "key": { "env": "MERIDIAN_KEY_STRATEGIES" } },
 *   "marketData": { "address": { "host": "127.0.0.1", "port": 7300 }, "key": { "env": "MERIDIAN_KEY_STRATEGIES" } },
 *   "lockstep": true,
 *   "strategies": [
 *     { "id": "sma-1", "strategy": "sma-cross", "params": { "fast": 5, "slow": 20 }, "account": "ACC-1" }
 *   ]
 * }
 * ```
 *
 * `strategy` names a strategy as `meridian backtest --strategy` takes it (a plugin's name or folder, or a file);
 * `params` are its parameters; `instruments` the instruments it sees (default: every instrument of the static data);
 * `baseCurrency` the account's currency of equity (default USD). The list may be empty: instances can also be deployed
 * while the service runs (`Deployments.ts`). `clock` is `feed` (the session's time is the market
 * data's, the default in lockstep) or `system`. An address is `{ host, port }` or `{ path }` (a Unix socket); a key
 * comes from an environment variable, never from the file. Relative paths are relative to the file.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, CurrencyCode, InstrumentId } from "../../domain/Ids"
import { Address, FromEnv, Region, Tcp, Tracing } from "../ServiceConfig"
import { InstanceId } from "./Deployments"

export const StrategyInstance = Schema.Struct({
  id: InstanceId,
  strategy: Schema.String.pipe(Schema.minLength(1)),
  params: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), { default: () => ({}) }),
  account: AccountId,
  instruments: Schema.optionalWith(Schema.NonEmptyArray(InstrumentId), { exact: true }),
  baseCurrency: Schema.optionalWith(CurrencyCode, { default: () => CurrencyCode.make("USD") })
})
export type StrategyInstance = typeof StrategyInstance.Type

export const StrategiesConfig = Schema.Struct({
  listen: Address,
  instance: Schema.String.pipe(Schema.minLength(1)),
  region: Region,
  keys: Schema.optionalWith(Schema.Record({ key: Schema.String, value: FromEnv }), { default: () => ({}) }),
  journalDir: Schema.String.pipe(Schema.minLength(1)),
  accounts: Schema.Struct({
    address: Address,
    shards: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1024)), { default: () => 1 }),
    key: FromEnv
  }),
  marketData: Schema.Struct({ address: Address, key: FromEnv }),
  lockstep: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  clock: Schema.optionalWith(Schema.Literal("system", "feed"), { exact: true }),
  strategies: Schema.Array(StrategyInstance).pipe(
    Schema.filter((list) => {
      const seen = new Set<string>()
      const issues: Array<Schema.FilterIssue> = []
      list.forEach((s, i) => {
        if (seen.has(s.id)) issues.push({ path: [i, "id"], message: `strategy id ${s.id} is used twice` })
        seen.add(s.id)
      })
      return issues
    })
  ),
  staticData: Schema.optionalWith(Schema.String, { exact: true }),
  metrics: Schema.optionalWith(Tcp, { exact: true }),
  tracing: Schema.optionalWith(Tracing, { exact: true })
})
export type StrategiesConfig = typeof StrategiesConfig.Type
