/**
 * The Execution Service's configuration file (JSON): where it serves `Status` and metrics, who may connect, where
 * it journals its inputs, the Accounts Service and the Market Data Service it follows, and the venue connector it
 * hosts.
 *
 * ```json
 * {
 *   "listen": { "host": "127.0.0.1", "port": 7600 },
 *   "instance": "execution-1",
 *   "region": "local",
 *   "keys": { "cli": { "env": "MERIDIAN_KEY_CLI" } },
 *   "journalDir": "var/execution",
 *   "accounts": { "address": { "host": "127.0.0.1", "port": 7400 }, "shards": 1, "key": { "env": "MERIDIAN_KEY_EXECUTION" } },
 *   "marketData": { "address": { "host": "127.0.0.1", "port": 7500 }, "key": { "env": "MERIDIAN_KEY_EXECUTION" } },
 *   "connector": { "sim": { "barFill": "next-open", "commission": "0.0005", "latencyUs": 0, "seed": 1 } },
 *   "lockstep": true,
 *   "metrics": { "host": "127.0.0.1", "port": 9466 }
 * }
 * ```
 *
 * `connector` chooses the venue: `sim` is the simulated venue (paper trading: real or replayed market data,
 * simulated fills, no real orders), with the backtest's fill, fee and latency options; `sim-remote` is the same
 * venue hosted as a real one is (reports arrive on their own, state kept apart from the service); real venues'
 * connectors (`fix`, `ccxt`) come as other kinds, each decoded by the runtime's connector table. `marks` (default true) sends the Accounts Service a mark for every market data event, once
 * the venue processed it. `lockstep` follows the barrier of docs/live-session.md with a Market Data Service in
 * lockstep. An address may be `{ "path": "<unix socket>" }`; a key comes from an environment variable, never the
 * file. `accounts.key` and `marketData.key` are this service's keys at those servers. Relative paths are relative
 * to the file.
 *
 * @since 0.1.0
 */

import { Schema } from "effect"
import { Address, FromEnv, Keys, Region, Tcp, Tracing } from "../ServiceConfig"

/** The simulated venue's options: those of the backtest's venue. */
export const SimConnectorOptions = Schema.Struct({
  /** When a market order that arrives during a bar fills: at that bar's close, or the next bar's open (default). */
  barFill: Schema.optionalWith(Schema.Literal("next-open", "close"), { default: () => "next-open" as const }),
  /** The fee as a decimal fraction of the notional, `"0"` for none (default). */
  commission: Schema.optionalWith(
    Schema.String.pipe(Schema.pattern(/^\d+(\.\d+)?$/, { message: () => "commission must be a decimal fraction" })),
    { default: () => "0" }
  ),
  /** Time from a command to its arrival at the venue, µs (default 0). */
  latencyUs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 0 }),
  /** Seed of the latency and slippage models (default 1). */
  seed: Schema.optionalWith(Schema.Int, { default: () => 1 }),
  /** Fraction of a bar's volume the venue's orders may fill in that bar; no cap when absent. */
  volumeLimit: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1)), {
    exact: true
  })
})
export type SimConnectorOptions = typeof SimConnectorOptions.Type

/**
 * The venue connector: one key naming its kind, its value the kind's options. `sim` is core's own and decoded here;
 * every other kind (`fix`, `ccxt`, ...) is a plugin the runtime's connector table knows, and the table decodes its
 * options with the plugin's schema when the service starts (`Connector.ts`), so that core imports no plugin.
 */
export const ConnectorConfig = Schema.Struct(
  { sim: Schema.optionalWith(SimConnectorOptions, { exact: true }) },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).pipe(
  Schema.filter((connector) => {
    const kinds = Object.keys(connector)
    return kinds.length === 1 || `connector names one kind, e.g. { "sim": {} }; got ${kinds.length}`
  })
)
export type ConnectorConfig = typeof ConnectorConfig.Type

/** The kind a connector configuration names, and its options. */
export const connectorKindOf = (connector: ConnectorConfig): { readonly kind: string; readonly options: unknown } => {
  const [kind, options] = Object.entries(connector)[0]!
  return { kind, options }
}

export const ExecutionConfig = Schema.Struct({
  listen: Address,
  instance: Schema.String.pipe(Schema.minLength(1)),
  region: Region,
  /** Who may connect (for `Status`): a service name and the environment variable holding its key. */
  keys: Keys,
  journalDir: Schema.String.pipe(Schema.minLength(1)),
  accounts: Schema.Struct({ address: Address, shards: Schema.Int.pipe(Schema.positive()), key: FromEnv }),
  marketData: Schema.Struct({ address: Address, key: FromEnv }),
  connector: ConnectorConfig,
  marks: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  lockstep: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  staticData: Schema.optionalWith(Schema.String, { exact: true }),
  metrics: Schema.optionalWith(Tcp, { exact: true }),
  tracing: Schema.optionalWith(Tracing, { exact: true })
})
export type ExecutionConfig = typeof ExecutionConfig.Type
