/**
 * The Market Data Service as users run it: `meridian service market-data --config <file>` in its own process, on
 * Node and on Bun, replaying a history fixture to protocol clients on loopback. A subscriber gets every row of the
 * history as a domain event, in the order a backtest replays them, with consecutive sequences; the service answers
 * Status, serves metrics, records what it publishes, and refuses a bad configuration with one line naming the field.
 */
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { Effect, Either } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { MarketDataEvent } from "../../core/domain/MarketData"
import { loadCatalogData } from "../../core/history/History"
import { loadConfig } from "../../core/live/market-data/MarketDataProgram"
import { ServiceStatus } from "../../core/live/ServiceStatus"
import {
  cleanUp,
  client,
  configure,
  follow,
  INSTRUMENTS,
  runToExit,
  start,
  tempDir,
  writeHistory
} from "./marketDataProcess"
import type { runtimes } from "./serviceProcess"
import { stop } from "./serviceProcess"

afterAll(cleanUp)

const fixture = async (minutes: number) => {
  const history = join(tempDir(), "history")
  const expected = await Effect.runPromise(writeHistory(history, minutes))
  return { history, expected }
}

const publishes = (runtime: keyof typeof runtimes) => async () => {
  const { history, expected } = await fixture(120)
  const { file } = configure(history, "max", { region: "eu-west", metrics: { host: "127.0.0.1", port: 0 } })
  const service = await start(runtime, file)
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const subscriber = yield* client(service.port, "strategies")
        const events = yield* follow(subscriber, "market-data", 0, (e) => e.length === expected.length)
        expect(events.map((e) => e.seq)).toEqual(expected.map((_, i) => i + 1))
        expect(events.map((e) => e.event)).toEqual(expected)
        // A subscriber that resumes from a sequence gets the rest.
        const rest = yield* follow(subscriber, "market-data", 700, (e) => e.length === expected.length - 700)
        expect(rest[0]).toEqual({ seq: 701, event: expected[700] })
        const status = ServiceStatus.make(
          (yield* (yield* client(service.port, "cli")).call({ _tag: "Status" })) as ServiceStatus
        )
        expect(status).toMatchObject({
          service: "market-data",
          instance: "test",
          region: "eu-west",
          streams: [{ topic: "market-data", lastSeq: expected.length }]
        })
        expect(status.sessions.map((s) => s.service).sort()).toEqual(["cli", "strategies"])
        // Any other request is refused.
        const refused = yield* Effect.either(subscriber.call({ _tag: "Nonsense" }))
        expect(Either.isLeft(refused) && JSON.stringify(refused.left)).toContain("InvalidInput")
      })
    )
  )
  const finished = JSON.parse(await service.logged('"replay finished"')) as { annotations: { events: number } }
  expect(finished.annotations.events).toBe(expected.length)
  const metrics = await fetch(`http://127.0.0.1:${service.metrics}/metrics`).then((r) => r.text())
  expect(metrics).toContain(`meridian_market_data_published_total ${expected.length}`)
  expect(metrics).toContain(`meridian_market_data_last_seq ${expected.length}`)
  await stop(service.child)
}

describe("meridian service market-data", () => {
  it("publishes the history in backtest order, answers Status and serves metrics on Node", { timeout: 180_000 }, () =>
    publishes("node")()
  )
  it("publishes the history in backtest order, answers Status and serves metrics on Bun", { timeout: 180_000 }, () =>
    publishes("bun")()
  )

  it("paces by the recorded time (capped gaps) and ends with every event", { timeout: 180_000 }, async () => {
    const { history, expected } = await fixture(40)
    // 40 minutes at 600x with gaps capped at 5 ms: a few seconds at most.
    const { file } = configure(history, { speed: 600 }, {}, { maxGapMs: 5 })
    const service = await start("node", file)
    const events = await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(client(service.port, "strategies"), (subscriber) =>
          follow(subscriber, "market-data", 0, (e) => e.length === expected.length)
        )
      )
    )
    expect(events.map((e) => e.event)).toEqual(expected)
    await service.logged('"replay finished"')
    await stop(service.child)
  })

  it("records what it publishes: the recorded history replays the same events", { timeout: 180_000 }, async () => {
    const { history, expected } = await fixture(90)
    const { file, dir } = configure(history, "max", { record: "recorded", recordEvery: { events: 100, ms: 50 } })
    const service = await start("node", file)
    await service.logged('"replay finished"')
    await stop(service.child)
    const load = (root: string) =>
      Effect.runPromise(loadCatalogData(root, INSTRUMENTS).pipe(Effect.provide(NodeContext.layer)))
    // The same rows, kind by kind, as the original history.
    expect(await load(join(dir, "recorded"))).toEqual(await load(history))
    // And a service replaying the recording publishes the same events.
    const again = configure(join(dir, "recorded"), "max")
    const replayed = await start("node", again.file)
    const events = await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(client(replayed.port, "strategies"), (subscriber) =>
          follow(subscriber, "market-data", 0, (e) => e.length === expected.length)
        )
      )
    )
    expect(events.map((e) => e.event)).toEqual(expected satisfies ReadonlyArray<MarketDataEvent>)
    await stop(replayed.child)
  })

  it("refuses a bad configuration with one line naming the field", { timeout: 120_000 }, async () => {
    const { history } = await fixture(2)
    const { file } = configure(history, "fast", { region: "" })
    const problem = await Effect.runPromise(Effect.flip(loadConfig(file)).pipe(Effect.provide(NodeContext.layer)))
    expect(problem.message).not.toContain("\n")
    expect(problem.message).toContain("source.replay.pace")
    expect(problem.message).toContain("region")
    const run = await runToExit("node", file)
    expect(run.code).not.toBe(0)
    expect(run.output).toContain("source.replay.pace")
    // A history with none of the instruments: the service does not start, and says why.
    const missing = configure(join(tempDir(), "empty"), "max")
    const empty = await runToExit("node", missing.file)
    expect(empty.code).not.toBe(0)
    expect(empty.output).toContain("no stored market data for AAPL.XNAS")
  })
})
