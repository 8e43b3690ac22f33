/** Connectors under test against the fake venue: configuration, the contract venue's listing, helpers. */
import { NodeSocket } from "@effect/platform-node"
import type { Currency } from "@meridian/core/domain/Currency"
import { Duration, Effect, Redacted, Schedule, type Scope } from "effect"
import type { CcxtConfig } from "../src/CcxtConfig"
import * as CcxtConnector from "../src/CcxtConnector"
import { API_KEY, type FakeBinance, type FakeKind, fixture, SECRET } from "./FakeBinance"

export const currencies: ReadonlyArray<Currency> = [
  { code: "USD" as Currency["code"], decimals: 2, kind: "fiat" },
  { code: "USDT" as Currency["code"], decimals: 6, kind: "crypto" },
  { code: "BTC" as Currency["code"], decimals: 8, kind: "crypto" }
]

/**
 * The Execution contract trades AAPL.XNAS in cents and whole shares: the fake lists a market `AAPL` with those
 * increments, in the venue's exchangeInfo format (the documented BTCUSDT entry with its symbol, assets and
 * filters changed).
 */
export const contractListing = (kind: FakeKind): Record<string, unknown> => {
  const btc = (fixture(`${kind}/exchangeInfo.json`).symbols as Array<Record<string, unknown>>)[0]!
  return {
    ...btc,
    symbol: "AAPL",
    ...(kind === "usdm" ? { pair: "AAPLUSD" } : {}),
    baseAsset: "AAPL",
    quoteAsset: "USD",
    ...(kind === "usdm" ? { marginAsset: "USD" } : {}),
    filters: [
      { filterType: "PRICE_FILTER", minPrice: "0.01000000", maxPrice: "100000.00000000", tickSize: "0.01000000" },
      { filterType: "LOT_SIZE", minQty: "1.00000000", maxQty: "100000.00000000", stepSize: "1.00000000" }
    ]
  }
}

export const configFor = (fake: FakeBinance, fields: Partial<CcxtConfig> = {}): CcxtConfig => ({
  exchange: fake.kind === "spot" ? "binance" : "binanceusdm",
  venue: (fake.kind === "spot" ? "BINANCE" : "BINANCEUSDM") as CcxtConfig["venue"],
  symbols: ["BTCUSDT"],
  apiKey: Redacted.make(API_KEY),
  secret: Redacted.make(SECRET),
  urls: { rest: fake.restUrl, ws: fake.wsUrl },
  reconnect: { initialMs: 50, maxMs: 400 },
  rateLimitMs: 5,
  ...fields
})

/** A connector on the fake, with Node's WebSocket; closed with the scope. */
export const connect = (config: CcxtConfig): Effect.Effect<CcxtConnector.CcxtConnector, never, Scope.Scope> =>
  CcxtConnector.make(config, { currencies }).pipe(Effect.provide(NodeSocket.layerWebSocketConstructor), Effect.orDie)

/** Wait (real time, bounded at 10 s) until `done` holds. */
export const until = (what: string, done: () => boolean) =>
  Effect.suspend(() => (done() ? Effect.void : Effect.fail(what))).pipe(
    Effect.retry(Schedule.spaced(Duration.millis(10)).pipe(Schedule.upTo(Duration.seconds(10)))),
    Effect.orDieWith((w) => new Error(`timed out waiting for ${w}`))
  )
