/**
 * The Execution Service as users run it: `meridian service execution --config <file>` in its own process, on Node
 * and on Bun, between a real Accounts Service and a fake Market Data Service on loopback. A client submits a market
 * order, the simulated venue fills it at the quote, the position changes; in lockstep each event's `Done` comes
 * once the account is settled for it; and kill -9 of the service mid-stream, again and again, books no fill twice
 * and ends where an uninterrupted session ends — with the simulated venue, and with the same venue behind the
 * asynchronous port real connectors implement (`sim-remote`: reports on a later turn, a state of its own). On
 * start the service reconciles with the venue: a fill made while it was down is applied once, an order it canceled
 * then is closed, an order the platform never placed is reported.
 */
import { appendFileSync } from "node:fs"
import { dirname, join } from "node:path"
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
  SIM,
  SIM_REMOTE,
  seededAccounts,
  startExecution,
  submitMarket
} from "./executionProcess"
import { cleanUp, follow, type runtimes } from "./serviceProcess"

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
const session = (
  runtime: keyof typeof runtimes,
  lockstep: boolean,
  connector: object = SIM
): Effect.Effect<Session, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const marketData = yield* fakeMarketData
    const { port, accounts } = yield* seededAccounts
    const config = configureExecution(port, marketData.port, lockstep, connector)
    return { marketData, accounts, config, start: () => startExecution(runtime, config) }
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
  readonly reconciliation: { readonly outcome: string; readonly differences: ReadonlyArray<{ readonly kind: string }> }
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
const lockstepRun = (runtime: keyof typeof runtimes, kills: Record<number, number>, connector: object = SIM) =>
  Effect.gen(function* () {
    const { marketData, accounts, start } = yield* session(runtime, true, connector)
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
    // A real venue's fills come on their own, after the Done of the event they answer: wait for the last one.
    let events = yield* eventsNow(accounts)
    for (let wait = 0; fillsOf(events).length < Object.keys(ORDERS).length && wait < 300; wait++) {
      yield* Effect.sleep(Duration.millis(100))
      events = yield* eventsNow(accounts)
    }
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
          // Two sessions of their own, side by side: in lockstep each mostly waits for its services' turns.
          const [{ events: uninterrupted }, run] = yield* Effect.all(
            [
              Effect.scoped(lockstepRun(runtime, {})),
              Effect.scoped(lockstepRun(runtime, { 3: 0, 6: 30, 10: 5, 14: 60, 17: 0, 25: 15 }))
            ],
            { concurrency: "unbounded" }
          )
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

  it(
    "hosts a venue behind the asynchronous port: kill -9 mid-stream loses no report and doubles none",
    { timeout: 600_000 },
    () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const { events } = yield* Effect.scoped(
            // Reports 50 ms on the way: some are in flight at a kill, and reconciliation recovers them.
            lockstepRun(
              "node",
              { 3: 0, 6: 30, 10: 5, 14: 60, 17: 0, 25: 15 },
              {
                "sim-remote": { ...SIM_REMOTE["sim-remote"], reportDelayMs: 50 }
              }
            )
          )
          const fills = fillsOf(events)
          expect(new Set(fills.map((f) => f.tradeId)).size).toBe(fills.length)
          // Each order filled once, in full, at the quote it met: that of the event after whose Done it went.
          expect(fills.map(({ order, quantity, price }) => ({ order, quantity, price }))).toEqual(
            Object.entries(ORDERS).map(([i, [side, quantity]]) => ({
              order: `o-${i}`,
              quantity,
              price: side === "buy" ? quote(Number(i)).askPrice : quote(Number(i)).bidPrice
            }))
          )
          expect(positionOf(events)).toBe(5)
        })
      )
  )

  it(
    "reconciles with the venue on start: a fill made while it was down applied once, a cancel closed, a stranger reported",
    { timeout: 300_000 },
    () =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const { marketData, accounts, config, start } = yield* session("node", false, SIM_REMOTE)
            let execution = yield* Effect.promise(start)
            const cli = () =>
              connect({
                transport: nodeTransport,
                address: tcp("127.0.0.1", execution.port),
                identity: { service: "cli", instance: "test" },
                key: EXECUTION_KEYS.MERIDIAN_TEST_KEY_CLI,
                connectTimeoutMs: 30_000
              })
            expect(yield* statusOnce(yield* cli(), () => true)).toMatchObject({
              reconciliation: { outcome: "agreed", differences: [] }
            })
            marketData.publish(quote(1))
            // Two buy limits below the market rest at the venue; their acceptances come back.
            const limit = quote(1).bidPrice - 50
            const restingOrder = (id: string, quantity: number, limitPrice: number) => {
              const order = marketOrder(id, "buy", quantity)
              return { ...order, request: { ...order.request, type: "limit", limitPrice } }
            }
            const resting = restingOrder("rest-1", 5, limit)
            expect(yield* accounts.call(resting)).toMatchObject({ _tag: "Accepted" })
            expect(yield* accounts.call(restingOrder("rest-2", 3, limit - 200))).toMatchObject({ _tag: "Accepted" })
            const accepted = yield* follow<AccountEvent>(
              accounts,
              "events/0",
              0,
              (e) => e.filter((event) => event._tag === "OrderAccepted").length === 2
            )
            const rest2 = accepted.flatMap((e) =>
              e._tag === "OrderSubmitted" && e.order.clientOrderId === "rest-2" ? [e.order.orderId] : []
            )[0]!

            // While the service is down the venue's market falls through the first limit (it fills there), the
            // venue cancels the second, and someone places an order on the venue outside the platform.
            yield* Effect.promise(() => kill(execution.child))
            const venueLog = join(dirname(config), "venue", "venue.jsonl")
            const crossing = { ...quote(2), bidPrice: limit - 20, askPrice: limit - 10 }
            appendFileSync(venueLog, `${JSON.stringify({ seq: 1_000, event: crossing })}\n`)
            const cancel = {
              _tag: "VenueCancel",
              accountId: "ACC-1",
              orderId: rest2,
              instrumentId: "AAPL.XNAS",
              ts: crossing.ts
            }
            appendFileSync(venueLog, `${JSON.stringify({ command: cancel })}\n`)
            const stranger = {
              _tag: "VenueSubmit",
              ts: crossing.ts,
              order: {
                ...resting.request,
                orderId: "outside-1",
                clientOrderId: "outside-1",
                limitPrice: limit - 100,
                filledQuantity: 0,
                filledValue: 0,
                status: "pending-new",
                createdAt: crossing.ts,
                updatedAt: crossing.ts
              }
            }
            appendFileSync(venueLog, `${JSON.stringify({ command: stranger })}\n`)

            execution = yield* Effect.promise(start)
            const status = yield* statusOnce(yield* cli(), () => true)
            expect(status.reconciliation.outcome).toBe("resolved")
            expect(status.reconciliation.differences.map((d) => d.kind).sort()).toEqual([
              "closed-at-venue",
              "missing-fill",
              "unknown-order"
            ])
            const events = yield* follow<AccountEvent>(
              accounts,
              "events/0",
              0,
              (e) =>
                e.some((event) => event._tag === "PositionChanged") && e.some((event) => event._tag === "OrderCanceled")
            )
            expect(fillsOf(events)).toMatchObject([{ order: "rest-1", quantity: 5, price: limit }])
            expect(events.filter((e) => e._tag === "OrderCanceled")).toMatchObject([{ orderId: rest2 }])
            const metrics = yield* Effect.promise(() =>
              fetch(`http://127.0.0.1:${execution.metrics}/metrics`).then((r) => r.text())
            )
            expect(metrics).toMatch(/meridian_execution_reconciliation_differences_total\{kind="missing-fill"\} 1/)

            // Once applied, the fill is the Accounts Service's: a restart finds it there and applies nothing again.
            yield* Effect.promise(() => kill(execution.child))
            execution = yield* Effect.promise(start)
            const again = yield* statusOnce(yield* cli(), () => true)
            expect(again.reconciliation.differences.map((d) => d.kind)).toEqual(["unknown-order"])
            const after = yield* eventsNow(accounts)
            expect(fillsOf(after)).toHaveLength(1)
            expect(positionOf(after)).toBe(5)
            yield* Effect.promise(() => kill(execution.child))
          })
        )
      )
  )
})
