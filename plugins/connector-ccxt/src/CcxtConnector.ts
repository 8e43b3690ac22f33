/**
 * The factory: from a configuration to a running connector — the raw client, the instruments from the venue's
 * metadata, the execution client (the `Execution` port) and the data client — all closed with the scope.
 *
 * @since 0.1.0
 */
import type { Socket } from "@effect/platform"
import type { Currency } from "@meridian/core/domain/Currency"
import type { VenueState } from "@meridian/core/live/execution/VenueState"
import { Execution } from "@meridian/core/services/Execution"
import { Effect, Either, Layer, type Scope } from "effect"
import * as CcxtClient from "./CcxtClient"
import { type CcxtConfig, decodeConfig } from "./CcxtConfig"
import type { CcxtError } from "./CcxtError"
import * as CcxtExecution from "./CcxtExecution"
import { fromMarkets, type VenueInstruments } from "./CcxtInstruments"
import * as CcxtMarketData from "./CcxtMarketData"
import * as CcxtVenueState from "./CcxtVenueState"

export interface CcxtConnector {
  readonly client: CcxtClient.CcxtClient
  readonly instruments: VenueInstruments
  readonly execution: CcxtExecution.CcxtExecution
  readonly marketData: CcxtMarketData.CcxtMarketData
  /** What the venue holds, for the Execution Service's reconciliation on start. */
  readonly state: VenueState
}

export interface ConnectorOptions {
  /** Static data's currencies: their minor units win over the venue's asset precisions. */
  readonly currencies?: ReadonlyArray<Currency>
}

/** Connect: load the venue's markets, map the configured symbols, start the user data stream. */
export const make = (
  config: CcxtConfig,
  options: ConnectorOptions = {}
): Effect.Effect<CcxtConnector, CcxtError, Scope.Scope | Socket.WebSocketConstructor> =>
  Effect.gen(function* () {
    const client = yield* CcxtClient.make(config)
    const markets = yield* client.exchangeInfo
    const instruments = yield* Either.match(
      fromMarkets(markets, {
        exchange: config.exchange,
        venue: config.venue,
        symbols: config.symbols,
        ...(options.currencies === undefined ? {} : { currencies: options.currencies })
      }),
      { onLeft: Effect.fail, onRight: Effect.succeed }
    )
    const execution = yield* CcxtExecution.make(client, instruments, config)
    const marketData = CcxtMarketData.make(client, instruments, config)
    yield* Effect.logInfo("ccxt connector ready").pipe(
      Effect.annotateLogs({ exchange: config.exchange, venue: config.venue, symbols: config.symbols.join(",") })
    )
    const state = CcxtVenueState.make(client, instruments, execution, config)
    return { client, instruments, execution, marketData, state }
  })

/** The same from an undecoded configuration (a JSON file's contents): a bad one fails naming its fields. */
export const makeFromJson = (raw: unknown, options: ConnectorOptions = {}) =>
  Effect.flatMap(decodeConfig(raw), (config) => make(config, options))

/** The `Execution` port on the venue. */
export const layer = (
  config: CcxtConfig,
  options: ConnectorOptions = {}
): Layer.Layer<Execution, CcxtError, Socket.WebSocketConstructor> =>
  Layer.scoped(
    Execution,
    Effect.map(make(config, options), (connector) => connector.execution)
  )
