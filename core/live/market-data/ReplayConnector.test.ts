import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { BOOK_ASK, BOOK_BID, BookBuilder, QuoteBuilder } from "../../data/Columns"
import type { InstrumentId } from "../../domain/Ids"
import type { MarketDataEvent } from "../../domain/MarketData"
import { History, layer as historyLayer, loadCatalogData } from "../../history/History"
import { makeRecorder } from "./Recorder"
import { openReplay } from "./ReplayConnector"

const BTC = "BTCUSDT.BINANCE" as InstrumentId
const T1 = Date.UTC(2024, 0, 2) * 1000
const T2 = T1 + 1_000_000
const T3 = T1 + 2_000_000

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-replay-connector-"))
  dirs.push(dir)
  return dir
}

/** A snapshot, a batch of deltas, another snapshot; and a quote at each time, which replays before the book rows. */
const writeBook = (root: string) =>
  Effect.gen(function* () {
    const history = yield* History
    const book = new BookBuilder()
    book.add(T1, 0, BOOK_BID, 100, 5, 1)
    book.add(T1, 0, BOOK_ASK, 101, 4, 1)
    book.add(T2, 0, BOOK_ASK, 101, 0, 0)
    book.add(T2, 0, BOOK_ASK, 102, 3, 0)
    book.add(T3, 0, BOOK_BID, 99, 1, 1)
    book.add(T3, 0, BOOK_ASK, 100, 2, 1)
    const quotes = new QuoteBuilder()
    for (const ts of [T1, T2, T3]) quotes.add(ts, 0, 100, 1, 101, 1)
    yield* history.writeMany([BTC], book.build())
    yield* history.writeMany([BTC], quotes.build())
  }).pipe(Effect.provide(historyLayer(root)))

const delta = (
  ts: number,
  action: "set" | "delete" | "clear",
  side: "bid" | "ask",
  price: number,
  size: number,
  last: boolean
) => ({ _tag: "BookDelta", instrumentId: BTC, ts, action, side, price, size, last }) as MarketDataEvent
const quote = (ts: number) =>
  ({ _tag: "Quote", instrumentId: BTC, ts, bidPrice: 100, bidSize: 1, askPrice: 101, askSize: 1 }) as MarketDataEvent

const EXPECTED = [
  quote(T1),
  delta(T1, "clear", "bid", 0, 0, false),
  delta(T1, "set", "bid", 100, 5, false),
  delta(T1, "set", "ask", 101, 4, true),
  quote(T2),
  delta(T2, "delete", "ask", 101, 0, false),
  delta(T2, "set", "ask", 102, 3, true),
  quote(T3),
  delta(T3, "clear", "bid", 0, 0, false),
  delta(T3, "set", "bid", 99, 1, false),
  delta(T3, "set", "ask", 100, 2, true)
]

const drain = (options: Parameters<typeof openReplay>[0]) =>
  Effect.scoped(
    Effect.gen(function* () {
      const connector = yield* openReplay(options)
      const events: Array<MarketDataEvent> = []
      for (let batch = yield* connector.next(4); batch.length > 0; batch = yield* connector.next(4))
        events.push(...batch)
      return events
    })
  )

describe("ReplayConnector", () => {
  it.effect("turns book rows into deltas: a clear before each snapshot, last at the end of each update", () =>
    Effect.gen(function* () {
      const root = temp()
      yield* writeBook(root)
      expect(yield* drain({ root, instruments: [BTC] })).toEqual(EXPECTED)
      // Windows of one instant, and a start after events already published: the same sequence.
      expect(yield* drain({ root, instruments: [BTC], windowRows: 1 })).toEqual(EXPECTED)
      expect(yield* drain({ root, instruments: [BTC], windowRows: 1, skip: 5 })).toEqual(EXPECTED.slice(5))
      expect(yield* drain({ root, instruments: [BTC], from: T2, to: T3 })).toEqual(EXPECTED.slice(4, 7))
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.effect("the recorder writes the deltas back as the same book rows", () =>
    Effect.gen(function* () {
      const root = temp()
      const recorded = join(temp(), "recorded")
      yield* writeBook(root)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const recorder = yield* makeRecorder({
            root: recorded,
            markerFile: join(temp(), "recorded.json"),
            everyEvents: 3,
            everyMs: 10_000
          })
          for (const [i, event] of EXPECTED.entries()) recorder.record(i + 1, event)
        })
      )
      expect(yield* loadCatalogData(recorded, [BTC])).toEqual(yield* loadCatalogData(root, [BTC]))
    }).pipe(Effect.provide(NodeContext.layer))
  )
})

describe("Recorder", () => {
  it.effect("a restart records the events after the last one committed, each once (rows and mark in one commit)", () =>
    Effect.gen(function* () {
      const root = temp()
      const recorded = join(temp(), "recorded")
      const options = { root: recorded, markerFile: join(temp(), "recorded.json"), everyEvents: 2, everyMs: 10_000 }
      yield* writeBook(root)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const recorder = yield* makeRecorder(options)
          for (const [i, event] of EXPECTED.slice(0, 5).entries()) recorder.record(i + 1, event)
        })
      )
      // The mark is in the catalog file that lists the rows: no crash can land between the two.
      const { id } = JSON.parse(readFileSync(options.markerFile, "utf8")) as { id: string }
      const catalog = JSON.parse(readFileSync(join(recorded, "_catalog.json"), "utf8")) as {
        marks: Record<string, number>
      }
      expect(catalog.marks[id]).toBe(5)
      const restarted = yield* Effect.scoped(
        Effect.gen(function* () {
          const recorder = yield* makeRecorder(options)
          // The journal replays every event it holds; those already in the history are passed over.
          for (const [i, event] of EXPECTED.entries()) recorder.record(i + 1, event)
          return recorder.recordedThrough
        })
      )
      expect(restarted).toBe(5)
      expect(yield* loadCatalogData(recorded, [BTC])).toEqual(yield* loadCatalogData(root, [BTC]))
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.effect("records an empty-book snapshot (a clear that ends its update) and the replay gives it back", () =>
    Effect.gen(function* () {
      const recorded = join(temp(), "recorded")
      const events = [
        delta(T1, "clear", "bid", 0, 0, false),
        delta(T1, "set", "bid", 100, 5, true),
        // The venue's book went empty: a resync's snapshot with no levels.
        delta(T2, "clear", "bid", 0, 0, true),
        quote(T2),
        delta(T3, "clear", "bid", 0, 0, false),
        delta(T3, "set", "ask", 100, 2, true)
      ]
      yield* Effect.scoped(
        Effect.gen(function* () {
          const recorder = yield* makeRecorder({
            root: recorded,
            markerFile: join(temp(), "recorded.json"),
            everyEvents: 2,
            everyMs: 10_000
          })
          for (const [i, event] of events.entries()) recorder.record(i + 1, event)
        })
      )
      // Quotes replay before book rows of the same time.
      expect(yield* drain({ root: recorded, instruments: [BTC] })).toEqual([
        events[0],
        events[1],
        events[3],
        events[2],
        events[4],
        events[5]
      ])
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
