/**
 * Kill -9 mid-session: the Strategies, Execution and Market Data services of a lockstep paper session, each in its
 * own process, are killed one at a time at random moments (each several times) and started again right away with
 * the same configuration. They resume from their last sequence: every client order id is accepted once, no trade
 * is booked twice, and the session ends with the orders, fills, position and cash of an uninterrupted run of the
 * same replay. `MERIDIAN_CRASH_KILLS` sets the kills per service (default 3). The services run on Node; with
 * `MERIDIAN_SOAK=1` on Bun too (Bun's processes are covered in the CI run by the session, execution and accounts
 * tests, its restarts by the execution and accounts crash tests).
 */
import { Chunk, Config, Duration, Effect, Random } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { AccountEvent } from "../../core/domain/Events"
import type { ServiceName } from "../../core/live/session/SessionPlan"
import type { runtimes } from "./serviceProcess"
import {
  accountEvents,
  cleanUpSessions,
  fillsOf,
  finalState,
  publishedWatch,
  type RunningSession,
  type SessionFiles,
  sessionFiles,
  startSession,
  untilSettled
} from "./sessionProcesses"

afterAll(cleanUpSessions)

/** Enough bars that the kills land while the replay runs, on a busy machine too. */
const BARS = 240
const KILLED: ReadonlyArray<ServiceName> = ["strategies", "execution", "market-data"]

const killsPerService = Effect.runSync(Config.integer("MERIDIAN_CRASH_KILLS").pipe(Config.withDefault(3), Effect.orDie))

/** The whole session's account events, with `kill` run against it while it trades. */
const run = (
  runtime: keyof typeof runtimes,
  kill: (files: SessionFiles) => (session: RunningSession) => Effect.Effect<void>
) =>
  Effect.gen(function* () {
    // The kills' claims are read from the account's event stream: no projection (tested by the session test).
    const files = yield* sessionFiles({ _tag: "None" }, BARS)
    const session = yield* startSession(runtime, files)
    yield* kill(files)(session)
    yield* untilSettled(files)
    const events = yield* accountEvents(files)
    yield* Effect.promise(session.stop)
    return events
  })

/**
 * Each service `killsPerService` times, in a random order, each once the replay reached a random bar: the targets
 * are sorted and short of the end, so every kill lands mid-session however fast or slow the machine is.
 */
const randomKills =
  (files: SessionFiles, kills: Array<{ service: ServiceName; at: number }>) => (session: RunningSession) =>
    Effect.gen(function* () {
      const order = Chunk.toReadonlyArray(
        yield* Random.shuffle(KILLED.flatMap((service) => Array.from({ length: killsPerService }, () => service)))
      )
      const targets: Array<number> = []
      for (const _ of order) targets.push(yield* Random.nextIntBetween(2, BARS - 40))
      targets.sort((a, b) => a - b)
      const published = yield* publishedWatch(files)
      for (const [k, service] of order.entries()) {
        for (;;) {
          const at = yield* published
          if (at >= targets[k]!) break
          yield* Effect.sleep(Duration.millis(20))
        }
        kills.push({ service, at: yield* published })
        yield* Effect.promise(() => session.restart(service))
      }
    }).pipe(Effect.scoped)

const summary = (events: ReadonlyArray<AccountEvent>) => ({
  orders: events.flatMap((e) => (e._tag === "OrderSubmitted" ? [e.order.clientOrderId] : [])),
  fills: fillsOf(events).map(({ tradeId: _, ...fill }) => fill),
  ...finalState(events)
})

describe("kill -9 of the strategies, execution and market data services mid-session", () => {
  it.each(process.env.MERIDIAN_SOAK === "1" ? (["node", "bun"] as const) : (["node"] as const))(
    "accepts each order once, books each trade once and ends as an uninterrupted run on %s",
    { timeout: 900_000 },
    (runtime) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const uninterrupted = yield* run(runtime, () => () => Effect.void)
          const kills: Array<{ service: ServiceName; at: number }> = []
          const killed = yield* run(runtime, (files) => randomKills(files, kills))
          // Where each kill landed (the last event published then), for whoever reads a failure.
          console.log(`kills on ${runtime}: ${kills.map((k) => `${k.service}@${k.at}`).join(" ")}`)
          expect(kills.length).toBe(KILLED.length * killsPerService)
          expect(kills.every((k) => k.at < BARS)).toBe(true)

          const submitted = killed.filter((e) => e._tag === "OrderSubmitted")
          const ids = submitted.map((e) => e.order.clientOrderId)
          expect(new Set(ids).size).toBe(ids.length)
          const accepted = killed.flatMap((e) => (e._tag === "OrderAccepted" ? [e.orderId] : []))
          expect(new Set(accepted).size).toBe(accepted.length)
          expect(new Set(accepted)).toEqual(new Set(submitted.map((e) => e.order.orderId)))
          const trades = fillsOf(killed).map((f) => f.tradeId)
          expect(new Set(trades).size).toBe(trades.length)

          expect(summary(uninterrupted).orders.length).toBeGreaterThanOrEqual(4)
          expect(summary(killed)).toEqual(summary(uninterrupted))
        })
      )
  )
})
