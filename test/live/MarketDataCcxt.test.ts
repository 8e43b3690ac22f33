/**
 * `meridian service market-data` on the live `ccxt` source, in its own process, against the fake Binance (real HTTP
 * and WebSocket servers in the test's process, on loopback, speaking the venue's recorded formats). A subscriber gets
 * the book's snapshot, the venue's trades and book changes as domain events; a lost book update makes the service
 * resync from a fresh snapshot; what it published is recorded, and a replay of the recording publishes it again.
 */
import { join } from "node:path"
import { Duration, Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { MarketDataEvent } from "../../core/domain/MarketData"
import * as FakeBinance from "../../plugins/connector-ccxt/test/FakeBinance"
import { cleanUp, client, configure, configureSource, follow, start } from "./marketDataProcess"
import { stop } from "./serviceProcess"

afterAll(cleanUp)

const BTC = "BTCUSDT.BINANCE"

/** A Market Data Service configuration on the fake venue's `BTCUSDT`, recording into `recorded/`. */
const configureCcxt = (fake: FakeBinance.FakeBinance) =>
  configureSource(
    {
      ccxt: {
        exchange: "binance",
        venue: "BINANCE",
        symbols: ["BTCUSDT"],
        urls: { rest: fake.restUrl, ws: fake.wsUrl },
        reconnect: { initialMs: 50, maxMs: 400 },
        depth: 100
      }
    },
    { record: "recorded", recordEvery: { events: 1, ms: 50 }, metrics: { host: "127.0.0.1", port: 0 } }
  )

type Published = ReadonlyArray<{ readonly seq: number; readonly event: MarketDataEvent }>

/** What a published stream says, without its times (the venue's and the service's clocks). */
const shapes = (events: Published) =>
  events.map(({ event }) => {
    const { ts: _ts, ...rest } = event
    return rest
  })

const delta = (
  action: "set" | "delete" | "clear",
  side: "bid" | "ask",
  price: number,
  size: number,
  last: boolean
) => ({
  _tag: "BookDelta",
  instrumentId: BTC,
  action,
  side,
  price,
  size,
  last
})

describe("meridian service market-data on the ccxt source", () => {
  it(
    "publishes the venue's book and trades, resyncs on a lost update, and records what it published",
    { timeout: 180_000 },
    () =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const fake = yield* FakeBinance.make("spot")
            fake.setBook("BTCUSDT", [["41999.00", "1.00000"]], [["42000.01", "2.00000"]])
            const { file, dir } = configureCcxt(fake)
            const service = yield* Effect.acquireRelease(
              Effect.promise(() => start("node", file)),
              (s) => Effect.promise(() => stop(s.child))
            )
            const subscriber = yield* client(service.port, "strategies")
            const upTo = (count: number) =>
              follow(subscriber, "market-data", 0, (e) => e.length >= count).pipe(
                Effect.timeoutFail({
                  duration: Duration.seconds(60),
                  onTimeout: () => new Error(`fewer than ${count} events in 60 s: ${service.output()}`)
                })
              )
            // The snapshot: a clear, then the levels (tick 0.01, lot 0.00001).
            const snapshot = [
              delta("clear", "bid", 0, 0, false),
              delta("set", "bid", 4_199_900, 100_000, false),
              delta("set", "ask", 4_200_001, 200_000, true)
            ]
            expect(shapes(yield* upTo(3))).toEqual(snapshot)
            yield* fake.trade("BTCUSDT", "42000.01", "0.50000", false)
            yield* fake.depth("BTCUSDT", [["41999.00", "0"]], [["42000.02", "1.00000"]])
            const live = [
              { _tag: "Trade", instrumentId: BTC, price: 4_200_001, size: 50_000, aggressor: "buy", tradeId: "500" },
              delta("delete", "bid", 4_199_900, 0, false),
              delta("set", "ask", 4_200_002, 100_000, true)
            ]
            expect(shapes(yield* upTo(6)).slice(3)).toEqual(live)
            // A book update lost in transit: the next one does not follow, so the book is resynced from a snapshot.
            yield* fake.depth("BTCUSDT", [["41998.00", "3.00000"]], [], { lose: true })
            yield* fake.depth("BTCUSDT", [["41997.00", "4.00000"]], [])
            const resynced = [
              delta("clear", "bid", 0, 0, false),
              delta("set", "bid", 4_199_800, 300_000, false),
              delta("set", "bid", 4_199_700, 400_000, false),
              delta("set", "ask", 4_200_001, 200_000, false),
              delta("set", "ask", 4_200_002, 100_000, true)
            ]
            const published = yield* upTo(11)
            expect(shapes(published).slice(6)).toEqual(resynced)
            expect(published.map((e) => e.seq)).toEqual(published.map((_, i) => i + 1))
            const metrics = yield* Effect.promise(() =>
              fetch(`http://127.0.0.1:${service.metrics}/metrics`).then((r) => r.text())
            )
            expect(metrics).toContain("meridian_market_data_published_total 11")

            // What it published is in the history: a service replaying it publishes the same events.
            yield* Effect.promise(() => stop(service.child))
            const replay = configure(join(dir, "recorded"), "max", {}, { instruments: [BTC] })
            const replayed = yield* Effect.acquireRelease(
              Effect.promise(() => start("node", replay.file)),
              (s) => Effect.promise(() => stop(s.child))
            )
            const again = yield* follow(
              yield* client(replayed.port, "strategies"),
              "market-data",
              0,
              (e) => e.length >= published.length
            ).pipe(Effect.timeout(Duration.seconds(60)))
            // The same events, times included; the history's trade rows keep no venue trade id.
            expect(again.map((e) => e.event)).toEqual(
              published.map(({ event }) => {
                if (event._tag !== "Trade") return event
                const { tradeId: _tradeId, ...trade } = event
                return trade
              })
            )
          })
        )
      )
  )
})
