/**
 * The ccxt connector against the fake Binance: venue errors (-2010, -1021, 429 with Retry-After), the rate limit,
 * bad venue input, out-of-order book updates, balances and the reconciliation queries, credentials kept out of logs.
 */
import { NodeSocket } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import type { ExecutionCommand, ExecutionReport } from "@meridian/core/domain/Commands"
import type { MarketDataEvent } from "@meridian/core/domain/MarketData"
import type { Order } from "@meridian/core/domain/Order"
import { Effect, Logger, Redacted } from "effect"
import { newOrder, T0 } from "../../../test/fixtures/orders"
import { decodeConfig } from "../src/CcxtConfig"
import * as Connector from "../src/CcxtConnector"
import * as FakeBinance from "./FakeBinance"
import { configFor, connect, currencies, until } from "./harness"

const order = (fields: Record<string, unknown>): Order =>
  newOrder({
    orderId: "o-1",
    clientOrderId: "c-1",
    accountId: "acct",
    instrumentId: "BTCUSDT.BINANCE",
    limitPrice: 4_200_001,
    ...fields
  })

const submit = (o: Order): ExecutionCommand => ({ _tag: "VenueSubmit", order: o, ts: T0 as Order["createdAt"] })

/** Log lines the connector writes, to check what reaches the logs. */
const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.replace(
    Logger.defaultLogger,
    Logger.map(Logger.logfmtLogger, (line) => void lines.push(line))
  )
  return { lines, logger }
}

const reportsOf = (connector: Connector.CcxtConnector) =>
  Effect.gen(function* () {
    const reports: Array<ExecutionReport> = []
    yield* connector.execution.reports((r) => reports.push(r))
    return reports
  })

const spot = Effect.gen(function* () {
  const fake = yield* FakeBinance.make("spot")
  const connector = yield* connect(configFor(fake))
  yield* until("the user data stream", () => fake.connections("user") > 0)
  yield* fake.setMarket("BTCUSDT", "42000.00", "42000.01")
  return { fake, connector, reports: yield* reportsOf(connector) }
})

describe("ccxt connector: configuration and instruments", () => {
  it.effect("decodes a configuration, naming every bad field on one line; credentials stay redacted", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        decodeConfig({ exchange: "kraken", venue: "binance", symbols: ["btc/usdt"], apiKey: "", secret: "s", extra: 1 })
      )
      expect(error.reason).toBe("Config")
      expect(error.message).not.toContain("\n")
      for (const field of ["exchange", "venue", "symbols.0", "apiKey", "extra"])
        expect(error.message).toContain(`${field}:`)
      const config = yield* decodeConfig({
        exchange: "binance",
        venue: "BINANCE",
        symbols: ["BTCUSDT"],
        apiKey: "key-123",
        secret: "secret-456"
      })
      expect(String(config.secret)).toBe("<redacted>")
      expect(JSON.stringify(config)).not.toContain("secret-456")
      expect(Redacted.value(config.secret)).toBe("secret-456")
    })
  )

  it.scopedLive("maps the venue's exchangeInfo to instruments in exact ticks and lots", () =>
    Effect.gen(function* () {
      const spotFake = yield* FakeBinance.make("spot")
      const spotConnector = yield* connect(configFor(spotFake, { symbols: ["BTCUSDT", "ETHBTC"] }))
      const btc = spotConnector.instruments.specs.byId.get("BTCUSDT.BINANCE" as never)!.instrument
      expect(btc).toMatchObject({
        symbol: "BTCUSDT",
        venue: "BINANCE",
        tickSize: "0.01",
        lotSize: "0.00001",
        minQuantity: 1,
        maxQuantity: 900_000_000,
        quoteCurrency: "USDT",
        baseCurrency: "BTC",
        assetClass: "crypto"
      })
      const eth = spotConnector.instruments.specs.byId.get("ETHBTC.BINANCE" as never)!
      expect(eth.instrument).toMatchObject({ tickSize: "0.00001", lotSize: "0.0001", minQuantity: 1 })
      // Static data's minor units win over the venue's precision (BTC 8, from the test currencies).
      expect(eth.currency.decimals).toBe(8)
      const usdmFake = yield* FakeBinance.make("usdm")
      const usdm = yield* connect(configFor(usdmFake))
      expect(usdm.instruments.specs.byId.get("BTCUSDT.BINANCEUSDM" as never)!.instrument).toMatchObject({
        tickSize: "0.1",
        lotSize: "0.001",
        minQuantity: 1,
        maxQuantity: 1_000_000,
        assetClass: "future"
      })
      const missing = yield* Effect.flip(
        Effect.scoped(
          Effect.flatMap(FakeBinance.make("spot"), (fake) =>
            Effect.provide(
              Connector.make(configFor(fake, { symbols: ["DOGEUSDT"] }), { currencies }),
              NodeSocket.layerWebSocketConstructor
            )
          )
        )
      )
      expect(missing.message).toBe("symbols: DOGEUSDT is not a market of binance")
    })
  )
})

describe("ccxt connector: venue errors and limits", () => {
  it.scopedLive("reports -2010 as a rejection naming the venue's reason", () =>
    Effect.gen(function* () {
      const { fake, connector, reports } = yield* spot
      fake.failNext("POST", "/api/v3/order", {
        status: 400,
        body: JSON.stringify(FakeBinance.fixture("errors/-2010.json"))
      })
      connector.execution.execute(submit(order({})))
      yield* until("the rejection", () => reports.length > 0)
      expect(reports).toEqual([
        expect.objectContaining({
          _tag: "VenueRejected",
          orderId: "o-1",
          message: expect.stringContaining("Account has insufficient balance for requested action.")
        })
      ])
    })
  )

  it.scopedLive("resyncs its clock after -1021 and sends the order again, once", () =>
    Effect.gen(function* () {
      const { fake, connector, reports } = yield* spot
      fake.failNext("POST", "/api/v3/order", {
        status: 400,
        body: JSON.stringify(FakeBinance.fixture("errors/-1021.json"))
      })
      connector.execution.execute(submit(order({})))
      yield* until("the fill", () => reports.some((r) => r._tag === "VenueFilled"))
      const paths = fake.requests.map((r) => `${r.method} ${r.path}`)
      expect(paths.filter((p) => p === "POST /api/v3/order")).toHaveLength(2)
      expect(paths).toContain("GET /api/v3/time")
      expect(connector.client.stats().clockResyncs).toBe(1)
      expect(reports.map((r) => r._tag)).toEqual(["VenueAccepted", "VenueFilled"])
      expect(reports[1]).toMatchObject({
        quantity: 100,
        price: 4_200_001,
        fee: 10_000,
        feeCurrency: "USDT",
        tradeId: "BTCUSDT-500"
      })
    })
  )

  it.scopedLive("waits out a 429's Retry-After before sending again", () => {
    const { lines, logger } = captureLogs()
    return Effect.gen(function* () {
      const { fake, connector, reports } = yield* spot
      fake.failNext("POST", "/api/v3/order", {
        status: 429,
        body: JSON.stringify(FakeBinance.fixture("errors/-1003-429.json")),
        headers: { "Retry-After": "1" }
      })
      connector.execution.execute(submit(order({})))
      yield* until("the fill", () => reports.some((r) => r._tag === "VenueFilled"))
      const posts = fake.requests.filter((r) => r.method === "POST" && r.path === "/api/v3/order")
      expect(posts).toHaveLength(2)
      expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(990)
      expect(connector.client.stats().rateLimited).toBe(1)
      expect(lines.join("\n")).toContain("Retry-After")
      for (const line of lines) {
        expect(line).not.toContain(FakeBinance.SECRET)
        expect(line).not.toContain(FakeBinance.API_KEY)
      }
    }).pipe(Effect.provide(logger))
  })

  it.scopedLive("spaces its requests by the configured rate limit (ccxt's throttle by request weight)", () =>
    Effect.gen(function* () {
      const fake = yield* FakeBinance.make("spot")
      const connector = yield* connect(configFor(fake, { rateLimitMs: 500 }))
      const before = fake.requests.length
      yield* Effect.forEach([1, 2, 3, 4, 5], () => connector.client.depth("BTCUSDT", 5), { concurrency: "unbounded" })
      const depth = fake.requests.slice(before).filter((r) => r.path === "/api/v3/depth")
      expect(depth).toHaveLength(5)
      // ccxt's leaky bucket lets two through at once (one token in hand, the next taken on credit), then one per
      // 500 ms: the client sends the fifth at least 1,500 ms after the first. The fake sees arrivals, and under load the
      // first can arrive late, so the bound allows 100 ms of that. Unthrottled, the five arrive within ~0.5 s even at
      // load 30 (each request is slow then), so a limit this long is what tells the two apart.
      expect(depth[4]!.at - depth[0]!.at).toBeGreaterThanOrEqual(1_400)
    })
  )
})

describe("ccxt connector: bad venue input", () => {
  it.scopedLive(
    "logs, counts and drops garbage, wrong shapes and off-grid prices; keeps its book and its orders right",
    () => {
      const { lines, logger } = captureLogs()
      return Effect.gen(function* () {
        const { fake, connector, reports } = yield* spot
        const events: Array<MarketDataEvent> = []
        yield* connector.marketData
          .events((e) => events.push(e))
          .pipe(Effect.provide(NodeSocket.layerWebSocketConstructor))
        yield* until("the first snapshot", () => connector.marketData.stats().snapshots > 0)
        yield* Effect.gen(function* () {
          yield* fake.sendMarket("{not json")
          yield* fake.sendMarket(
            JSON.stringify({ stream: "btcusdt@trade", data: { e: "trade", s: "BTCUSDT", p: 42000 } })
          )
          yield* fake.sendMarket(JSON.stringify({ stream: "btcusdt@kline_1m", data: { e: "kline", s: "BTCUSDT" } }))
          yield* fake.sendMarket(
            JSON.stringify({
              stream: "xrpusdt@trade",
              data: { ...(FakeBinance.fixture("spot/trade.json").data as object), s: "XRPUSDT" }
            })
          )
          // A trade off the tick grid (0.001 on a 0.01 tick): refused.
          yield* fake.trade("BTCUSDT", "42000.001", "0.00100", false)
          // Unknown fields in a documented message are the venue's to add: the trade is taken.
          const trade = FakeBinance.fixture("spot/trade.json") as { data: Record<string, unknown> }
          yield* fake.sendMarket(
            JSON.stringify({ stream: "btcusdt@trade", data: { ...trade.data, t: 9_999_999, newField: { x: 1 } } })
          )
          yield* fake.sendUser("]]garbage")
          yield* fake.sendUser(JSON.stringify({ e: "executionReport", s: "BTCUSDT" }))
          yield* until("the counts", () => {
            const s = connector.marketData.stats()
            return (
              s.rejected.json + s.rejected.schema + s.rejected.symbol + s.rejected.units >= 5 &&
              connector.execution.stats().rejected >= 2
            )
          })
        })
        expect(connector.marketData.stats().rejected).toEqual({ json: 1, schema: 2, units: 1, symbol: 1 })
        expect(connector.execution.stats().rejected).toBe(2)
        expect(lines.filter((l) => l.includes("venue message rejected"))).toHaveLength(7)
        expect(events.filter((e) => e._tag === "Trade").map((e) => e._tag === "Trade" && e.tradeId)).toEqual([
          "9999999"
        ])
        // Still trading and still following the book.
        yield* fake.depth("BTCUSDT", [["41999.00", "1.00000"]], [])
        yield* until("the book update", () =>
          events.some((e) => e._tag === "BookDelta" && e.action === "set" && e.price === 4_199_900)
        )
        connector.execution.execute(submit(order({})))
        yield* until("the fill", () => reports.some((r) => r._tag === "VenueFilled"))
      }).pipe(Effect.provide(logger))
    }
  )

  it.scopedLive(
    "ignores a late (out-of-order) book update, resyncs on the gap it left, and ends with the venue's book",
    () =>
      Effect.gen(function* () {
        const fake = yield* FakeBinance.make("usdm")
        const connector = yield* connect(configFor(fake))
        const bids = new Map<number, number>()
        yield* connector.marketData
          .events((e) => {
            if (e._tag !== "BookDelta") return
            if (e.action === "clear") bids.clear()
            else if (e.side === "bid" && e.action === "set") bids.set(e.price, e.size)
            else if (e.side === "bid") bids.delete(e.price)
          })
          .pipe(Effect.provide(NodeSocket.layerWebSocketConstructor))
        yield* until("the first snapshot", () => connector.marketData.stats().snapshots > 0)
        yield* fake.depth("BTCUSDT", [["42000.0", "1.000"]], [])
        const held = yield* fake.depth("BTCUSDT", [["41999.9", "2.000"]], [], { hold: true })
        yield* fake.depth("BTCUSDT", [["41999.8", "3.000"]], [])
        yield* until("the resync", () => connector.marketData.stats().snapshots >= 2)
        yield* fake.sendMarket(held)
        yield* fake.depth("BTCUSDT", [["41999.7", "4.000"]], [])
        yield* until("the venue's book", () => bids.size === 4 && bids.get(419_997) === 4_000)
        expect([...bids.entries()].sort((a, b) => b[0] - a[0])).toEqual([
          [420_000, 1_000],
          [419_999, 2_000],
          [419_998, 3_000],
          [419_997, 4_000]
        ])
        const stats = connector.marketData.stats()
        expect(stats.gaps).toBeGreaterThanOrEqual(1)
        expect(stats.stale).toBeGreaterThanOrEqual(1)
      })
  )
})

describe("ccxt connector: balances and reconciliation queries", () => {
  it.scopedLive("values a buy's commission taken in the asset bought in the quote currency, at the fill's price", () =>
    Effect.gen(function* () {
      const fake = yield* FakeBinance.make("spot", { buyCommission: "base" })
      const connector = yield* connect(configFor(fake))
      yield* until("the user data stream", () => fake.connections("user") > 0)
      yield* fake.setMarket("BTCUSDT", "42000.00", "42000.01")
      const reports = yield* reportsOf(connector)
      connector.execution.execute(submit(order({})))
      yield* until("the fill", () => reports.some((r) => r._tag === "VenueFilled"))
      // 0.000001 BTC × 42000.01 = 0.04200001 USDT: 42,000 micro-USDT (half-even); an account holds no BTC rate.
      const valued = { fee: 42_000, feeCurrency: "USDT" }
      expect(reports.find((r) => r._tag === "VenueFilled")).toMatchObject(valued)
      expect(yield* connector.execution.requestFills(0)).toEqual([expect.objectContaining(valued)])
    })
  )

  it.scopedLive("answers open orders, fills and balances from the venue, in our units", () =>
    Effect.gen(function* () {
      const { fake, connector, reports } = yield* spot
      connector.execution.execute(submit(order({ orderId: "o-rest", limitPrice: 4_100_000 })))
      connector.execution.execute(submit(order({ orderId: "o-fill" })))
      yield* until(
        "both orders",
        () =>
          reports.filter((r) => r._tag === "VenueAccepted").length === 2 &&
          reports.some((r) => r._tag === "VenueFilled")
      )
      const open = yield* connector.execution.requestOpenOrders
      expect(open).toEqual([
        expect.objectContaining({
          orderId: "o-rest",
          instrumentId: "BTCUSDT.BINANCE",
          side: "buy",
          leavesQuantity: 100,
          filledQuantity: 0
        })
      ])
      const fills = yield* connector.execution.requestFills(0)
      expect(fills).toEqual([
        expect.objectContaining({
          orderId: "o-fill",
          tradeId: "BTCUSDT-500",
          quantity: 100,
          price: 4_200_001,
          fee: 10_000,
          feeCurrency: "USDT"
        })
      ])
      const balances = yield* connector.execution.requestBalances
      // BTC 0.5 + 0.001 in satoshis; USDT 10041.12345678 in micro-USDT (static data: 6 decimals), half-even.
      expect(balances).toEqual(
        expect.arrayContaining([
          { currency: "BTC", total: 50_100_000 },
          { currency: "USDT", total: 10_041_123_457 }
        ])
      )
      yield* fake.sendUser(JSON.stringify(FakeBinance.fixture("spot/outboundAccountPosition.json")))
      yield* until("the streamed balances", () => connector.execution.balances().has("USDT"))
      expect(connector.execution.balances().get("BTC")).toEqual({ free: "0.50100000", locked: "0.00000000" })
    })
  )

  it.scopedLive("answers reconciliation after a restart from the venue alone (VenueState)", () =>
    Effect.gen(function* () {
      const fake = yield* FakeBinance.make("spot")
      yield* fake.setMarket("BTCUSDT", "42000.00", "42000.01")
      const config = configFor(fake, { account: "acct" as never })
      // A first connector places a resting order and one that fills, then goes away.
      yield* Effect.scoped(
        Effect.gen(function* () {
          const first = yield* connect(config)
          const reports = yield* reportsOf(first)
          first.execution.execute(submit(order({ orderId: "o-rest", limitPrice: 4_100_000 })))
          first.execution.execute(submit(order({ orderId: "o-fill" })))
          yield* until("both orders", () => reports.filter((r) => r._tag === "VenueAccepted").length === 2)
        })
      )
      const second = yield* connect(config)
      expect(yield* second.state.openOrders).toEqual([
        {
          orderId: "o-rest",
          accountId: "acct",
          instrumentId: "BTCUSDT.BINANCE",
          venueOrderId: "1",
          side: "buy",
          leavesQuantity: 100,
          filledQuantity: 0
        }
      ])
      const fills = yield* second.state.fillsSince(0 as never)
      expect(fills).toEqual([
        expect.objectContaining({
          _tag: "VenueFilled",
          accountId: "acct",
          orderId: "o-fill",
          tradeId: "BTCUSDT-500",
          quantity: 100,
          price: 4_200_001,
          fee: 10_000,
          feeCurrency: "USDT",
          liquidity: "taker"
        })
      ])
      expect(fills[0]!.ts).toBeGreaterThan(0)
      expect(fake.requests.filter((r) => r.method === "GET" && r.path === "/api/v3/order")).toHaveLength(1)
      expect(yield* second.state.balances).toEqual(
        expect.arrayContaining([{ accountId: "acct", currency: "BTC", total: 50_100_000 }])
      )
      const unconfigured = yield* connect(configFor(fake))
      expect(yield* Effect.flip(unconfigured.state.fillsSince(0 as never))).toMatchObject({ reason: "Refused" })
    })
  )
})
