/**
 * The raw client: one ccxt exchange instance (its REST signing, weights and throttle) and the venue's WebSocket
 * addresses. Methods mirror the venue's endpoints; answers stay in the venue's units (decimal strings or ccxt's
 * structures). Every call goes through one retry rule: HTTP 429/418 waits out the venue's `Retry-After`, a -1021
 * (timestamp outside the receive window) resyncs the clock once; anything else is the caller's to handle.
 *
 * @since 0.1.0
 */

// The error classes by name: ccxt's CommonJS build (what the CLI bundle loads) has no `errors` namespace.
import {
  AuthenticationError,
  BadRequest,
  type Balances,
  binance,
  binanceusdm,
  DDoSProtection,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  type Market,
  NetworkError,
  OperationRejected,
  type Order,
  RateLimitExceeded,
  type Trade
} from "ccxt"
import { Duration, Effect, Redacted, type Scope } from "effect"
import type { CcxtConfig } from "./CcxtConfig"
import { CcxtError } from "./CcxtError"

/** A raw book snapshot: `GET /api/v3/depth` or `GET /fapi/v1/depth`. */
export interface DepthSnapshot {
  readonly lastUpdateId: number
  readonly bids: ReadonlyArray<readonly [string, string]>
  readonly asks: ReadonlyArray<readonly [string, string]>
  /** Event time (ms), futures only. */
  readonly E?: number
}

/** An order as the venue takes it: its market id, and amount and price as the venue's decimal strings. */
export interface OrderRequest {
  readonly symbol: string
  readonly type: "limit" | "market"
  readonly side: "buy" | "sell"
  readonly amount: string
  readonly price: string | undefined
  readonly params: Readonly<Record<string, string | boolean>>
}

export interface CcxtClient {
  readonly exchange: CcxtConfig["exchange"]
  /** `GET exchangeInfo` through ccxt's `loadMarkets`: the venue's markets by market id. */
  readonly exchangeInfo: Effect.Effect<ReadonlyMap<string, NonNullable<Market>>, CcxtError>
  readonly depth: (symbol: string, limit: number) => Effect.Effect<DepthSnapshot, CcxtError>
  readonly newOrder: (request: OrderRequest) => Effect.Effect<Order, CcxtError>
  readonly cancelOrder: (symbol: string, clientOrderId: string) => Effect.Effect<Order, CcxtError>
  /** Spot: `POST /api/v3/order/cancelReplace` (a new order id); futures: `PUT /fapi/v1/order` (same order). */
  readonly editOrder: (request: OrderRequest & { readonly venueOrderId: string }) => Effect.Effect<Order, CcxtError>
  readonly order: (symbol: string, clientOrderId: string) => Effect.Effect<Order, CcxtError>
  readonly orderById: (symbol: string, venueOrderId: string) => Effect.Effect<Order, CcxtError>
  readonly openOrders: (symbol: string) => Effect.Effect<ReadonlyArray<Order>, CcxtError>
  readonly myTrades: (symbol: string, since?: number) => Effect.Effect<ReadonlyArray<Trade>, CcxtError>
  readonly account: Effect.Effect<Balances, CcxtError>
  /** `POST /api/v3/userDataStream` or `POST /fapi/v1/listenKey`. */
  readonly listenKey: Effect.Effect<string, CcxtError>
  readonly keepAlive: (listenKey: string) => Effect.Effect<void, CcxtError>
  /** The combined market data stream of `streams` (`btcusdt@depth@100ms`, ...). */
  readonly streamUrl: (streams: ReadonlyArray<string>) => string
  readonly userStreamUrl: (listenKey: string) => string
  /** Requests sent and retries taken, for metrics and tests. */
  readonly stats: () => { readonly requests: number; readonly rateLimited: number; readonly clockResyncs: number }
}

type Exchange = binance | binanceusdm

const DEFAULT_WS: Record<CcxtConfig["exchange"], string> = {
  binance: "wss://stream.binance.com:9443",
  binanceusdm: "wss://fstream.binance.com"
}

/** The venue's error code in a ccxt message (`binance {"code":-2010,"msg":"..."}`), if any. */
const venueCode = (message: string): number | undefined => {
  const match = /"code"\s*:\s*(-?\d+)/.exec(message)
  return match === null ? undefined : Number(match[1])
}

/** A ccxt failure as our boundary error; the venue's code decides first, ccxt's class second. */
export const toCcxtError = (cause: unknown): CcxtError => {
  const message = cause instanceof Error ? cause.message : String(cause)
  const code = venueCode(message)
  const reason: CcxtError["reason"] =
    code === -1021
      ? "Timestamp"
      : code === -1003 || cause instanceof DDoSProtection || cause instanceof RateLimitExceeded
        ? "RateLimited"
        : code === -2014 || code === -2015 || code === -1022 || cause instanceof AuthenticationError
          ? "Auth"
          : cause instanceof InvalidNonce
            ? "Timestamp"
            : cause instanceof NetworkError
              ? "Network"
              : cause instanceof InvalidOrder ||
                  cause instanceof InsufficientFunds ||
                  cause instanceof BadRequest ||
                  cause instanceof OperationRejected
                ? "Rejected"
                : "Exchange"
  return new CcxtError({ reason, message })
}

const header = (headers: Record<string, string> | undefined, name: string): string | undefined => {
  if (headers === undefined) return undefined
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value
  return undefined
}

/** Replace the scheme and host of a ccxt API url with `base`'s, keeping the path (`/api/v3`, `/fapi/v1`, ...). */
const rebase = (url: string, base: string): string => url.replace(/^https?:\/\/[^/]+/, base.replace(/\/+$/, ""))

/**
 * Build the client; the scope closes the ccxt instance. Credentials are unwrapped here only, into ccxt's
 * signing fields.
 */
export const make = (config: CcxtConfig): Effect.Effect<CcxtClient, never, Scope.Scope> =>
  Effect.gen(function* () {
    const credentials = {
      apiKey: Redacted.value(config.apiKey),
      secret: Redacted.value(config.secret),
      // ccxt sizes its request throttle (a leaky bucket of request weights) from rateLimit at construction.
      ...(config.rateLimitMs === undefined ? {} : { rateLimit: config.rateLimitMs })
    }
    const exchange: Exchange = yield* Effect.acquireRelease(
      Effect.sync(() =>
        config.exchange === "binance"
          ? new binance({
              ...credentials,
              enableRateLimit: true,
              options: {
                fetchMarkets: { types: ["spot"] },
                // Margin pairs (a sapi call) are not traded here; currencies come from static data.
                fetchMargins: false,
                fetchCurrencies: false,
                newOrderRespType: { limit: "FULL", market: "FULL" }
              }
            })
          : new binanceusdm({ ...credentials, enableRateLimit: true, options: { fetchCurrencies: false } })
      ),
      (exchange) => Effect.promise(() => exchange.close().catch(() => undefined))
    )
    if (config.urls !== undefined) {
      const api = exchange.urls.api as Record<string, string>
      for (const key of Object.keys(api)) api[key] = rebase(api[key]!, config.urls.rest)
    }
    const wsBase = (config.urls?.ws ?? DEFAULT_WS[config.exchange]).replace(/\/+$/, "")
    const maxRetryAfter = config.maxRetryAfterSeconds ?? 60
    const counters = { requests: 0, rateLimited: 0, clockResyncs: 0 }

    /** One venue call under the retry rule: Retry-After on 429 (three times at most), one clock resync on -1021. */
    const call = <A>(run: () => Promise<A>): Effect.Effect<A, CcxtError> => {
      const attempt = (rateLimitedLeft: number, resyncLeft: number): Effect.Effect<A, CcxtError> =>
        Effect.tryPromise({
          try: () => {
            counters.requests++
            return run()
          },
          catch: toCcxtError
        }).pipe(
          Effect.catchTag("CcxtError", (error) => {
            if (error.reason === "RateLimited" && rateLimitedLeft > 0) {
              counters.rateLimited++
              const retryAfter = Number(header(exchange.last_response_headers, "retry-after") ?? "1")
              const seconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : 1
              if (seconds > maxRetryAfter) return Effect.fail(error)
              return Effect.logWarning("venue rate limit: waiting out Retry-After").pipe(
                Effect.annotateLogs({ seconds }),
                Effect.zipRight(Effect.sleep(Duration.seconds(seconds))),
                Effect.zipRight(attempt(rateLimitedLeft - 1, resyncLeft))
              )
            }
            if (error.reason === "Timestamp" && resyncLeft > 0) {
              counters.clockResyncs++
              return Effect.logWarning("venue refused the request's timestamp: resyncing the clock").pipe(
                Effect.zipRight(Effect.tryPromise({ try: () => exchange.loadTimeDifference(), catch: toCcxtError })),
                Effect.zipRight(attempt(rateLimitedLeft, resyncLeft - 1))
              )
            }
            return Effect.fail(error)
          })
        )
      return attempt(3, 1)
    }

    /** ccxt's unified symbol of a market id (`BTCUSDT` → `BTC/USDT` or `BTC/USDT:USDT`). */
    const unified = (symbol: string): string => exchange.safeMarket(symbol).symbol ?? symbol

    /** ccxt's amount, price and params of an order request (its numbers print as the venue's decimals). */
    const sized = (r: OrderRequest) =>
      [Number(r.amount), r.price === undefined ? undefined : Number(r.price), { ...r.params }] as const

    const exchangeInfo = call(() => exchange.loadMarkets()).pipe(
      Effect.map((markets) => {
        const byId = new Map<string, NonNullable<Market>>()
        for (const market of Object.values(markets)) if (market?.id !== undefined) byId.set(market.id, market)
        return byId as ReadonlyMap<string, NonNullable<Market>>
      })
    )

    return {
      exchange: config.exchange,
      exchangeInfo,
      depth: (symbol, limit) =>
        call(() =>
          exchange instanceof binanceusdm
            ? exchange.fapiPublicGetDepth({ symbol, limit })
            : exchange.publicGetDepth({ symbol, limit })
        ).pipe(Effect.map((raw) => raw as unknown as DepthSnapshot)),
      newOrder: (r) => call(() => exchange.createOrder(unified(r.symbol), r.type, r.side, ...sized(r))),
      cancelOrder: (symbol, clientOrderId) =>
        call(() => exchange.cancelOrder("", unified(symbol), { origClientOrderId: clientOrderId })),
      editOrder: (r) => call(() => exchange.editOrder(r.venueOrderId, unified(r.symbol), r.type, r.side, ...sized(r))),
      order: (symbol, clientOrderId) =>
        call(() => exchange.fetchOrder("", unified(symbol), { origClientOrderId: clientOrderId })),
      orderById: (symbol, venueOrderId) => call(() => exchange.fetchOrder(venueOrderId, unified(symbol))),
      openOrders: (symbol) => call(() => exchange.fetchOpenOrders(unified(symbol))),
      myTrades: (symbol, since) => call(() => exchange.fetchMyTrades(unified(symbol), since)),
      account: call(() => exchange.fetchBalance()),
      listenKey: call(() =>
        exchange instanceof binanceusdm ? exchange.fapiPrivatePostListenKey() : exchange.publicPostUserDataStream()
      ).pipe(
        Effect.flatMap((raw) =>
          typeof raw.listenKey === "string" && raw.listenKey.length > 0
            ? Effect.succeed(raw.listenKey)
            : Effect.fail(new CcxtError({ reason: "BadPayload", message: "listenKey: missing in the venue's answer" }))
        )
      ),
      keepAlive: (listenKey) =>
        call(() =>
          exchange instanceof binanceusdm
            ? exchange.fapiPrivatePutListenKey()
            : exchange.publicPutUserDataStream({ listenKey })
        ).pipe(Effect.asVoid),
      streamUrl: (streams) => `${wsBase}/stream?streams=${streams.join("/")}`,
      userStreamUrl: (listenKey) => `${wsBase}/ws/${listenKey}`,
      stats: () => ({ ...counters })
    }
  })
