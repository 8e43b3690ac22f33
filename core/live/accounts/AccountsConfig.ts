/**
 * The Accounts Service's configuration file (JSON): where it listens, who may connect with which key, where each
 * shard keeps its journal, which accounts each shard holds, and where its metrics are served.
 *
 * ```json
 * {
 *   "listen": { "host": "127.0.0.1", "port": 7400 },
 *   "instance": "accounts-1",
 *   "keys": { "strategies": { "env": "MERIDIAN_KEY_STRATEGIES" }, "execution": { "env": "MERIDIAN_KEY_EXECUTION" } },
 *   "journalDir": "var/accounts",
 *   "shards": [{ "accounts": [{ "id": "ACC-1", "name": "Fund one", "kind": "margin", "baseCurrency": "USD" }] }],
 *   "metrics": { "host": "127.0.0.1", "port": 9464 },
 *   "database": { "url": { "env": "DATABASE_URL" } },
 *   "tracing": { "otlp": "http://127.0.0.1:4318" }
 * }
 * ```
 *
 * `listen` may be `{ "path": "/run/meridian/accounts.sock" }` for a Unix socket. A key is given through an
 * environment variable (`{ "env": NAME }`), never in the file itself. `staticData` names a static data folder
 * (default: the set shipped with Meridian). `database` projects every account event into the central database,
 * a PostgreSQL server (`url`) or the embedded one (`{ "embedded": "<folder>" }`). `tracing` sends traces (each
 * shard's recovery, each group commit) to an OpenTelemetry collector over OTLP/HTTP. Relative paths are relative
 * to the file. `clock` is `"feed"` for a session over a replayed feed (default `"system"`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Account } from "../../domain/Portfolio"
import { Address, FromEnv, Keys, Region, Tcp, Tracing } from "../ServiceConfig"

const Database = Schema.Union(
  Schema.Struct({ url: FromEnv }),
  Schema.Struct({ embedded: Schema.String.pipe(Schema.minLength(1)) })
)

export const AccountsConfig = Schema.Struct({
  listen: Address,
  instance: Schema.String.pipe(Schema.minLength(1)),
  /** Where the service runs, for `meridian status` (default "local"). */
  region: Region,
  keys: Keys,
  journalDir: Schema.String.pipe(Schema.minLength(1)),
  shards: Schema.NonEmptyArray(Schema.Struct({ accounts: Schema.NonEmptyArray(Account) })),
  staticData: Schema.optionalWith(Schema.String, { exact: true }),
  metrics: Schema.optionalWith(Tcp, { exact: true }),
  database: Schema.optionalWith(Database, { exact: true }),
  tracing: Schema.optionalWith(Tracing, { exact: true }),
  /**
   * What inputs are stamped with (default `system`): the system clock, or in a session over a replayed feed the
   * feed's time, the largest `ts` of the inputs so far, never going back (docs/live-session.md, Session time).
   */
  clock: Schema.optionalWith(Schema.Literal("system", "feed"), { exact: true }),
  /** Account events each shard keeps for subscribers to resume from (default 1,000,000). */
  retainEvents: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true }),
  /**
   * Each shard's snapshots (`SnapshotOptions`; default every 250 000 inputs or 64 MiB of journal, keeping the
   * latest 16 384 events of each stream), or `false` for none: recovery then replays the whole journal.
   */
  snapshots: Schema.optionalWith(
    Schema.Union(
      Schema.Literal(false),
      Schema.Struct({
        everyInputs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true }),
        everyBytes: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true }),
        events: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true })
      })
    ),
    { exact: true }
  )
})
export type AccountsConfig = typeof AccountsConfig.Type
