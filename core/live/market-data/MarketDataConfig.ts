/**
 * The Market Data Service's configuration file (JSON): where it listens, who may connect with which key, where it
 * journals what it publishes, the feed it runs, the lockstep participants, the recorder, metrics and tracing.
 *
 * ```json
 * {
 *   "listen": { "host": "127.0.0.1", "port": 7500 },
 *   "instance": "market-data-1",
 *   "region": "local",
 *   "keys": { "execution": { "env": "MERIDIAN_KEY_EXECUTION" }, "strategies": { "env": "MERIDIAN_KEY_STRATEGIES" } },
 *   "journalDir": "var/market-data",
 *   "source": {
 *     "replay": { "history": ".meridian/history", "instruments": ["AAPL.XNAS"], "from": "2020-01-02", "pace": "lockstep" }
 *   },
 *   "lockstep": { "venue": ["execution"], "strategies": ["strategies"] },
 *   "record": "var/recorded",
 *   "metrics": { "host": "127.0.0.1", "port": 9465 }
 * }
 * ```
 *
 * A live venue is `"source": { "ccxt": { "exchange": "binance", "venue": "BINANCE", "symbols": ["BTCUSDT"] } }`,
 * decoded by the runtime's `ccxt` source kind. `listen` may be `{ "path": "/run/meridian/market-data.sock" }`. A key is given through an environment variable,
 * never in the file. `from` and `to` are ISO dates (UTC unless the text says otherwise) or µs since the epoch;
 * `from` is inclusive and `to` exclusive, on each row's stored time (a bar's open). `pace` is `"lockstep"` (the
 * barrier of docs/live-session.md), `{ "speed": n }` (n times the recorded speed; a gap between two events waits
 * at most `maxGapMs`, default 1000) or `"max"`. Relative paths are relative to the file.
 *
 * @since 0.1.0
 */
import { ParseResult, Schema } from "effect"
import { InstrumentId } from "../../domain/Ids"
import { Address, Keys, Region, Tcp, Tracing } from "../ServiceConfig"

const Path = Schema.String.pipe(Schema.minLength(1))
const Positive = Schema.Int.pipe(Schema.positive())

/** An ISO date or date-time, as µs since the epoch. */
const IsoTime = Schema.transformOrFail(Schema.String, Schema.Number, {
  strict: true,
  decode: (text, _, ast) => {
    const ms = Date.parse(text)
    return Number.isFinite(ms)
      ? ParseResult.succeed(ms * 1000)
      : ParseResult.fail(new ParseResult.Type(ast, text, `"${text}" is not an ISO date or date-time`))
  },
  encode: (us) => ParseResult.succeed(new Date(us / 1000).toISOString())
})
/** µs since the epoch, given as a number or an ISO text. */
const Time = Schema.Union(Schema.Int.pipe(Schema.nonNegative()), IsoTime)

export const Pace = Schema.Union(
  Schema.Literal("lockstep", "max"),
  Schema.Struct({ speed: Schema.Number.pipe(Schema.positive()) })
)
export type Pace = typeof Pace.Type

export const ReplaySource = Schema.Struct({
  /** Root of the market data history to replay. */
  history: Path,
  instruments: Schema.NonEmptyArray(InstrumentId),
  from: Schema.optionalWith(Time, { exact: true }),
  to: Schema.optionalWith(Time, { exact: true }),
  pace: Pace,
  /** The longest wait between two events at a `speed` pace (default 1000 ms): nights and weekends pass quickly. */
  maxGapMs: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { exact: true })
})
export type ReplaySource = typeof ReplaySource.Type

const ServiceNames = Schema.Array(Schema.String.pipe(Schema.minLength(1)))

export const MarketDataConfig = Schema.Struct({
  listen: Address,
  instance: Schema.String.pipe(Schema.minLength(1)),
  region: Region,
  keys: Keys,
  journalDir: Path,
  /**
   * The feed: `replay` (a market data history) or `ccxt` (a live venue through the runtime's `ccxt` source kind,
   * which decodes its options; see README, Market Data Service).
   */
  source: Schema.Struct({
    replay: Schema.optionalWith(ReplaySource, { exact: true }),
    ccxt: Schema.optionalWith(Schema.Unknown, { exact: true })
  }).pipe(
    Schema.filter((source) => (source.replay === undefined) !== (source.ccxt === undefined), {
      message: () => "give exactly one of replay or ccxt"
    })
  ),
  /** Who takes part in the lockstep barrier, by service name (`PeerIdentity.service`). */
  lockstep: Schema.optionalWith(Schema.Struct({ venue: ServiceNames, strategies: ServiceNames }), {
    default: () => ({ venue: ["execution"], strategies: ["strategies"] })
  }),
  /** A history folder the recorder writes every published event into. */
  record: Schema.optionalWith(Path, { exact: true }),
  /** The recorder writes after this many events (default 10,000) or this long (default 1000 ms), and at shutdown. */
  recordEvery: Schema.optionalWith(Schema.Struct({ events: Positive, ms: Positive }), { exact: true }),
  metrics: Schema.optionalWith(Tcp, { exact: true }),
  tracing: Schema.optionalWith(Tracing, { exact: true }),
  /** Events kept in memory for subscribers to resume from (default 1,000,000). */
  retainEvents: Schema.optionalWith(Positive, { exact: true })
})
export type MarketDataConfig = typeof MarketDataConfig.Type
