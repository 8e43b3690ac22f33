/**
 * The connector's configuration. Credentials are `Redacted`: decoded from the configuration file or from
 * `Config.redacted`, they print as `<redacted>` and are unwrapped only where ccxt signs requests.
 *
 * @since 0.1.0
 */

import { AccountId, VenueId } from "@meridian/core/domain/Ids"
import { Effect, ParseResult, Schema } from "effect"
import { CcxtError } from "./CcxtError"

/** The ccxt exchange classes this connector supports: Binance spot and Binance USD-M futures. */
export const CcxtExchange = Schema.Literal("binance", "binanceusdm")
export type CcxtExchange = typeof CcxtExchange.Type

const Millis = Schema.Int.pipe(Schema.between(1, 600_000))

const HttpUrl = Schema.String.pipe(
  Schema.pattern(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: () => "must be an http(s) URL" })
)
const WsUrl = Schema.String.pipe(
  Schema.pattern(/^wss?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: () => "must be a ws(s) URL" })
)

export const CcxtConfig = Schema.Struct({
  exchange: CcxtExchange,
  /** Our venue id: instrument ids are `<venue symbol>.<venue>`, e.g. `BTCUSDT.BINANCE`. */
  venue: VenueId,
  /**
   * The platform account this venue account books to: reconciliation names it on the fills of orders placed
   * before a restart (the venue knows its account, not ours).
   */
  account: Schema.optionalWith(AccountId, { exact: true }),
  /** The venue's market ids to trade and subscribe to, e.g. `BTCUSDT`. */
  symbols: Schema.NonEmptyArray(
    Schema.String.pipe(
      Schema.pattern(/^[A-Z0-9]{2,32}$/, { message: () => "a symbol is the venue's market id, e.g. BTCUSDT" })
    )
  ),
  apiKey: Schema.Redacted(Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))),
  secret: Schema.Redacted(Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))),
  /**
   * Where the venue is: the REST base (its host replaces the host of every ccxt API url) and the WebSocket base
   * (streams at `<ws>/stream?streams=...`, user data at `<ws>/ws/<listenKey>`). Default: the venue's own.
   */
  urls: Schema.optionalWith(Schema.Struct({ rest: HttpUrl, ws: WsUrl }), { exact: true }),
  /** Minimum milliseconds between request weights (ccxt's `rateLimit`); default ccxt's value for the venue. */
  rateLimitMs: Schema.optionalWith(Millis, { exact: true }),
  /** Levels of the book snapshot requested on (re)sync; default 1000. */
  depth: Schema.optionalWith(Schema.Literal(5, 10, 20, 50, 100, 500, 1000), { exact: true }),
  /** Reconnect backoff: first delay and cap, in milliseconds; default 250 and 30,000. */
  reconnect: Schema.optionalWith(Schema.Struct({ initialMs: Millis, maxMs: Millis }), { exact: true }),
  /** Longest Retry-After (seconds) the connector waits out before it gives up on a request; default 60. */
  maxRetryAfterSeconds: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 3_600)), { exact: true })
})
export type CcxtConfig = typeof CcxtConfig.Type
export type CcxtConfigEncoded = typeof CcxtConfig.Encoded

/** Decode a configuration; every problem is reported on one line, each naming its field. */
export const decodeConfig = (raw: unknown): Effect.Effect<CcxtConfig, CcxtError> =>
  Schema.decodeUnknown(CcxtConfig, { errors: "all", onExcessProperty: "error" })(raw).pipe(
    Effect.mapError(
      (error) =>
        new CcxtError({
          reason: "Config",
          message: ParseResult.ArrayFormatter.formatErrorSync(error)
            .map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`)
            .join("; ")
        })
    )
  )
