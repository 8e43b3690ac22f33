/**
 * The Market Data Service's `ccxt` source: the `connector-ccxt` plugin's data client (Binance spot or USD-M
 * futures: trades and an L2 book validated by update id, resynced from a fresh snapshot on a gap or a reconnect).
 * The options are the plugin's `CcxtConfig` without the account, and without credentials: public market data needs
 * none; when given, they are named by the environment variables holding them (`{ "env": "BINANCE_API_KEY" }`).
 *
 * `runtimes/cli/ServicePrograms.ts` loads it when a configuration names it.
 *
 * @since 0.1.0
 */
import { NodeSocket } from "@effect/platform-node"
import { Effect, Either, Redacted, Schema } from "effect"
import { LiveSourceError, liveSourceKind } from "../../core/live/market-data/LiveSource"
import { FromEnv, fromEnv } from "../../core/live/ServiceConfig"
import * as CcxtClient from "../../plugins/connector-ccxt/src/CcxtClient"
import { CcxtConfig } from "../../plugins/connector-ccxt/src/CcxtConfig"
import { fromMarkets } from "../../plugins/connector-ccxt/src/CcxtInstruments"
import * as CcxtMarketData from "../../plugins/connector-ccxt/src/CcxtMarketData"

const { apiKey: _apiKey, secret: _secret, account: _account, ...fields } = CcxtConfig.fields

export const CcxtSourceOptions = Schema.Struct({
  ...fields,
  apiKey: Schema.optionalWith(FromEnv, { exact: true }),
  secret: Schema.optionalWith(FromEnv, { exact: true })
})
export type CcxtSourceOptions = typeof CcxtSourceOptions.Type

const sourceError = (message: string) => new LiveSourceError({ message })

/** A credential from the environment, or none (ccxt signs nothing for public market data). */
const credential = (field: "apiKey" | "secret", named: { readonly env: string } | undefined) =>
  named === undefined ? Effect.succeed(Redacted.make("")) : fromEnv(named.env, `source.ccxt.${field}`, sourceError)

/** `ccxt`: a venue's trades and books, live. */
export const ccxt = liveSourceKind("ccxt", CcxtSourceOptions, (options) =>
  Effect.gen(function* () {
    const config: CcxtConfig = {
      ...options,
      apiKey: yield* credential("apiKey", options.apiKey),
      secret: yield* credential("secret", options.secret)
    }
    const client = yield* CcxtClient.make(config)
    const markets = yield* client.exchangeInfo.pipe(
      Effect.mapError((e) => sourceError(`source.ccxt: the venue's markets: ${e.message}`))
    )
    const instruments = yield* Either.match(
      fromMarkets(markets, { exchange: config.exchange, venue: config.venue, symbols: config.symbols }),
      { onLeft: (e) => Effect.fail(sourceError(`source.ccxt.${e.message}`)), onRight: Effect.succeed }
    )
    const marketData = CcxtMarketData.make(client, instruments, config)
    return {
      // Where the venue is and what is subscribed: a journal continues only the same feed.
      identity: {
        exchange: config.exchange,
        venue: config.venue,
        symbols: config.symbols,
        ...(config.urls === undefined ? {} : { urls: config.urls })
      },
      events: (handler) => marketData.events(handler).pipe(Effect.provide(NodeSocket.layerWebSocketConstructor))
    }
  })
)
