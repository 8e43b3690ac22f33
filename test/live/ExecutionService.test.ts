/**
 * The Execution Service as users run it: `meridian service execution --config <file>` in its own process, on Node
 * and on Bun, between a real Accounts Service and a fake Market Data Service on loopback. A client submits a market
 * order, the simulated venue fills it at the quote, the position changes; in lockstep each event's `Done` comes
 * once the account is settled for it; and kill -9 of the service mid-stream, again and again, books no fill twice
 * and ends where an uninterrupted session ends.
 */
import { Duration, Effect, type Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { AccountEvent } from "../../core/domain/Events"
import { type Client, connect } from "../../core/protocol/Protocol"
import { tcp } from "../../core/protocol/Transport"
import { nodeTransport } from "../../runtimes/node/NodeTransport"
import {
  cleanUpExecution,
  configureExecution,
  EXECUTION_KEYS,
  type FakeMarketData,
  fakeMarketData,
  kill,
  marketOrder,
  quote,
  startExecution
} from "./executionProcess"
import { cleanUp, client, configure, follow, KEYS, type runtimes, start } from "./serviceProcess"

afterAll(() => {
  cleanUpExecution()
  cleanUp()
})

interface Session {
  readonly marketData: FakeMarketData
  readonly accounts: Client
  readonly config: string
  readonly start: () => Promise<Awaited<ReturnType<typeof startExecution>>>
}

/** Accounts (on Node, on the feed's clock, with cash), the fake market data, and the Execution Service's config. */
const session = (runtime: keyof typeof runtimes, lockstep: boolean): Effect.Effect<Session, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const marketData = yield* fakeMarketData
    const { file } = configure("ACC-1", { clock: "feed" })
    const service = yield* Effect.promise(() => start("node", file))
    const accounts = yield* client(service.port, "strategies", KEYS.MERIDIAN_TEST_KEY_STRATEGIES)
    expect(
      yield* accounts.call({
        _tag: "Deposit",
        accountId: "ACC-1",
        currency: "USD",
        amount: 100_000_000,
        reference: "seed",
        ts: 0
      })
    ).toMatchObject({ _tag: "Accepted" })
    const config = configureExecution(service.port, marketData.port, lockstep)
    return { marketData, accounts, config, start: () => startExecution(runtime, config) }
  })

/** Submit until accepted: the first market order waits for the first mark to reach the account. */
const submitMarket = (accounts: Client, id: string, side: "buy" | "sell", quantity: number) =>
  Effect.gen(function* () {
    for (let attempt = 0; ; attempt++) {
      const outcome = (yield* accounts.call(marketOrder(`${id}-${attempt}`, side, quantity))) as { _tag: string }
      if (outcome._tag === "Accepted" || attempt === 300) return outcome
      yield* Effect.sleep(Duration.millis(100))
    }
  })

/** Every account event up to the Accounts Service's watermark now. */
const eventsNow = (accounts: Client) =>
  Effect.gen(function* () {
    const { events } = (yield* accounts.call({ _tag: "Watermark" })) as { events: Array<number> }
    return yield* follow<AccountEvent>(accounts, "events/0", 0, (e) => e.length >= events[0]!)
  })

const fillsOf = (events: ReadonlyArray<AccountEvent>) =>
  events.flatMap((e) =>
    e._tag === "OrderFilled"
      ? [{ order: e.fill.clientOrderId, tradeId: e.fill.tradeId, quantity: e.fill.quantity, price: e.fill.price }]
      : []
  )

const positionOf = (events: ReadonlyArray<AccountEvent>) =>
  events.findLast((e) => e._tag === "PositionChanged")?.position.quantity ?? 0

interface Status {
  readonly peers: ReadonlyArray<{ readonly following: ReadonlyArray<{ readonly lastSeq: number }> }>
}

/** The service's status once `ready` holds (it applies what it receives in its own time). */
const statusOnce = (cli: Client, ready: (status: Status) => boolean) =>
  Effect.gen(function* () {
    for (;;) {
      const status = (yield* cli.call({ _tag: "Status" })) as Status
      if (ready(status)) return status
      yield* Effect.sleep(Duration.millis(100))
    }
  })

const fillsAndStatus = (runtime: keyof typeof runtimes) =>
  Effect.gen(function* () {
    const { marketData, accounts, start } = yield* session(runtime, false)
    const execution = yield* Effect.promise(start)
    marketData.publish(quote(1))
    expect(yield* submitMarket(accounts, "m1", "buy", 10)).toMatchObject({ _tag: "Accepted" })
    const events = yield* follow<AccountEvent>(accounts, "events/0", 0, (e) =>
      e.some((event) => event._tag === "PositionChanged")
    )
    // Filled at the ask of the quote the venue last saw.
    expect(fillsOf(events)).toMatchObject([{ quantity: 10, price: quote(1).askPrice }])
    expect(positionOf(events)).toBe(10)
    for (let i = 2; i <= 4; i++) marketData.publish(quote(i))

    const cli = yield* connect({
      transport: nodeTransport,
      address: tcp("127.0.0.1", execution.port),
      identity: { service: "cli", instance: "test" },
      key: EXECUTION_KEYS.MERIDIAN_TEST_KEY_CLI,
      connectTimeoutMs: 30_000
    })
    const status = yield* statusOnce(cli, (s) => s.peers[1]!.following[0]!.lastSeq === 4)
    expect(status).toMatchObject({
      service: "execution",
      region: "local",
      peers: [
        { name: "accounts", connected: true, following: [{ topic: "executions/0", lastSeq: 1 }] },
        { name: "market-data", connected: true, following: [{ topic: "market-data", lastSeq: 4 }] }
      ]
    })
    const metrics = yield* Effect.promise(() =>
      fetch(`http://127.0.0.1:${execution.metrics}/metrics`).then((r) => r.text())
    )
    expect(metrics).toMatch(/meridian_execution_inputs_total\{kind="market-data"\} 4/)
    yield* Effect.promise(() => kill(execution.child))
  })

/** Orders the lockstep sessions send, by the event after whose `Done` they go. */
const ORDERS: Record<number, readonly ["buy" | "sell", number]> = {
  2: ["buy", 5],
  5: ["sell", 2],
  9: ["buy", 3],
  13: ["sell", 4],
  16: ["buy", 7],
  20: ["sell", 1],
  24: ["sell", 3]
}
const EVENTS = 28

/**
 * A lockstep session of `EVENTS` quotes with `ORDERS` sent between them; the service is killed (-9) right after
 * publishing each event of `kills` (after `delayMs` of that event) and started again. Returns the account's events.
 */
const lockstepRun = (runtime: keyof typeof runtimes, kills: Record<number, number>) =>
  Effect.gen(function* () {
    const { marketData, accounts, start } = yield* session(runtime, true)
    let execution = yield* Effect.promise(start)
    let resent = 0
    for (let i = 1; i <= EVENTS; i++) {
      marketData.publish(quote(i))
      const delayMs = kills[i]
      if (delayMs !== undefined) {
        yield* Effect.sleep(Duration.millis(delayMs))
        yield* Effect.promise(() => kill(execution.child))
        execution = yield* Effect.promise(start)
        resent += execution.resent
      }
      yield* marketData.done(i)
      const order = ORDERS[i]
      if (order !== undefined) {
        expect(yield* accounts.call(marketOrder(`o-${i}`, order[0], order[1]))).toMatchObject({ _tag: "Accepted" })
      }
    }
    const events = yield* eventsNow(accounts)
    yield* Effect.promise(() => kill(execution.child))
    return { events, resent }
  })

describe("meridian service execution", () => {
  it("fills a market order on the simulated venue and answers Status on Node", { timeout: 180_000 }, () =>
    Effect.runPromise(Effect.scoped(fillsAndStatus("node")))
  )
  it("fills a market order on the simulated venue and answers Status on Bun", { timeout: 180_000 }, () =>
    Effect.runPromise(Effect.scoped(fillsAndStatus("bun")))
  )

  it("in lockstep, says Done(i) once the account is settled for event i", { timeout: 180_000 }, () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const { marketData, accounts, start } = yield* session("node", true)
          yield* Effect.promise(start)
          marketData.publish(quote(1))
          yield* marketData.done(1)
          // The mark of event 1 is in: a market order passes pre-trade risk at once.
          expect(yield* accounts.call(marketOrder("l-1", "buy", 5))).toMatchObject({ _tag: "Accepted" })
          // Nothing is published until the service is done with event 1, and nothing goes before Done(2).
          marketData.publish(quote(2))
          yield* marketData.done(2)
          // The order reached the venue before event 2 and its fill is booked: all before Done(2).
          const events = yield* eventsNow(accounts)
          expect(fillsOf(events)).toMatchObject([{ order: "l-1", quantity: 5, price: quote(1).askPrice }])
          expect(positionOf(events)).toBe(5)
          expect(marketData.dones).toEqual([1, 2])
        })
      )
    )
  )

  it.each(["node", "bun"] as const)(
    "books no fill twice across kill -9 restarts mid-stream and ends as an uninterrupted run on %s",
    { timeout: 600_000 },
    (runtime) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const { events: uninterrupted } = yield* Effect.scoped(lockstepRun(runtime, {}))
          const run = yield* Effect.scoped(lockstepRun(runtime, { 3: 0, 6: 30, 10: 5, 14: 60, 17: 0, 25: 15 }))
          const killed = run.events
          // Each restart sent the Accounts Service the reports of its journal again; it booked none twice.
          expect(run.resent).toBeGreaterThan(0)
          const fills = fillsOf(killed)
          expect(new Set(fills.map((f) => f.tradeId)).size).toBe(fills.length)
          expect(fills.length).toBe(Object.keys(ORDERS).length)
          expect(fills).toEqual(fillsOf(uninterrupted))
          expect(positionOf(killed)).toBe(positionOf(uninterrupted))
          expect(positionOf(killed)).toBe(5)
        })
      )
  )
})
