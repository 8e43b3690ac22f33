/**
 * A session on one machine: the configuration of each of the four services, wired to each other, with their
 * journals, static data and recorded market data in one session folder. `meridian up` writes these files and starts
 * the services; each file also starts its service alone (`meridian service <name> --config <file>`), so a session
 * planned here can be moved service by service to other hosts and regions by editing addresses.
 *
 * Keys come from environment variables named by `KEY_ENV`: each client service has one key, which every server it
 * connects to accepts.
 *
 * @since 0.1.0
 */
import type { AccountsConfig } from "../accounts/AccountsConfig"
import type { ExecutionConfig } from "../execution/ExecutionConfig"
import type { MarketDataConfig } from "../market-data/MarketDataConfig"
import type { StrategiesConfig } from "../strategies/StrategiesConfig"

/** The services of a session, in the order they start (each one's servers before its clients). */
export const SERVICES = ["accounts", "market-data", "execution", "strategies"] as const
export type ServiceName = (typeof SERVICES)[number]

/** The environment variable holding each client service's key. */
export const KEY_ENV = {
  strategies: "MERIDIAN_KEY_STRATEGIES",
  execution: "MERIDIAN_KEY_EXECUTION",
  cli: "MERIDIAN_KEY_CLI"
} as const

export interface SessionPlanOptions {
  readonly host: string
  readonly ports: Readonly<Record<ServiceName, number>>
  /** Where each service serves its Prometheus metrics (none when left out). */
  readonly metricsPorts?: Readonly<Record<ServiceName, number>>
  /** Static data folder, relative to the session folder. */
  readonly staticData: string
  /** The market data history replayed, relative to the session folder or absolute. */
  readonly history: string
  readonly instruments: readonly [string, ...Array<string>]
  readonly from?: string
  readonly to?: string
  readonly pace: NonNullable<typeof MarketDataConfig.Encoded.source.replay>["pace"]
  readonly account: (typeof AccountsConfig.Encoded.shards)[number]["accounts"][number]
  readonly strategies: typeof StrategiesConfig.Encoded.strategies
  readonly connector: typeof ExecutionConfig.Encoded.connector
  /** Where the Accounts Service projects the account events (the central database), if anywhere. */
  readonly database?: typeof AccountsConfig.Encoded.database
}

export interface SessionPlan {
  readonly accounts: typeof AccountsConfig.Encoded
  readonly "market-data": typeof MarketDataConfig.Encoded
  readonly execution: typeof ExecutionConfig.Encoded
  readonly strategies: typeof StrategiesConfig.Encoded
}

const key = (service: keyof typeof KEY_ENV) => ({ env: KEY_ENV[service] })

export const plan = (o: SessionPlanOptions): SessionPlan => {
  const at = (service: ServiceName) => ({ host: o.host, port: o.ports[service] })
  const metrics = (service: ServiceName) =>
    o.metricsPorts === undefined ? {} : { metrics: { host: o.host, port: o.metricsPorts[service] } }
  const lockstep = o.pace === "lockstep"
  const cliOnly = { cli: key("cli") }
  return {
    accounts: {
      listen: at("accounts"),
      ...metrics("accounts"),
      instance: "accounts-1",
      keys: { strategies: key("strategies"), execution: key("execution"), ...cliOnly },
      journalDir: "journal/accounts",
      shards: [{ accounts: [o.account] }],
      staticData: o.staticData,
      clock: "feed",
      ...(o.database === undefined ? {} : { database: o.database })
    },
    "market-data": {
      listen: at("market-data"),
      ...metrics("market-data"),
      instance: "market-data-1",
      keys: { strategies: key("strategies"), execution: key("execution"), ...cliOnly },
      journalDir: "journal/market-data",
      source: {
        replay: {
          history: o.history,
          instruments: o.instruments,
          pace: o.pace,
          ...(o.from === undefined ? {} : { from: o.from }),
          ...(o.to === undefined ? {} : { to: o.to })
        }
      },
      record: "recorded"
    },
    execution: {
      listen: at("execution"),
      ...metrics("execution"),
      instance: "execution-1",
      keys: cliOnly,
      journalDir: "journal/execution",
      accounts: { address: at("accounts"), shards: 1, key: key("execution") },
      marketData: { address: at("market-data"), key: key("execution") },
      connector: o.connector,
      lockstep,
      staticData: o.staticData
    },
    strategies: {
      listen: at("strategies"),
      ...metrics("strategies"),
      instance: "strategies-1",
      keys: cliOnly,
      journalDir: "journal/strategies",
      accounts: { address: at("accounts"), shards: 1, key: key("strategies") },
      marketData: { address: at("market-data"), key: key("strategies") },
      lockstep,
      strategies: o.strategies,
      staticData: o.staticData
    }
  }
}
