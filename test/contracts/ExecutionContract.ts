/**
 * The contract every `Execution` implementation passes: the simulated venue and each real connector (against a
 * fake venue that speaks its real protocol) run this one suite.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Schedule, type Scope } from "effect"
import type { ExecutionCommand, ExecutionReport } from "../../core/domain/Commands"
import type { Order } from "../../core/domain/Order"
import type { ExecutionService } from "../../core/services/Execution"
import { newOrder, T0 } from "../fixtures/orders"

/** What the suite needs of a venue under test. */
export interface ContractVenue {
  readonly execution: ExecutionService
  /** Make the venue's market `bid` / `ask` (ticks of AAPL.XNAS, 0.01), 1,000 lots each side, at `ts` (µs). */
  readonly market: (ts: number, bid: number, ask: number) => Effect.Effect<void>
}

const submit = (o: Order, ts: number): ExecutionCommand => ({
  _tag: "VenueSubmit",
  order: o,
  ts: ts as Order["createdAt"]
})

/** Collect reports; wait (real time, bounded) until `done` holds. */
export const recorder = (venue: ContractVenue) =>
  Effect.gen(function* () {
    const reports: Array<ExecutionReport> = []
    yield* venue.execution.reports((report) => reports.push(report))
    const until = (done: (r: ReadonlyArray<ExecutionReport>) => boolean) =>
      Effect.suspend(() => (done(reports) ? Effect.void : Effect.fail("waiting" as const))).pipe(
        Effect.retry(Schedule.spaced(Duration.millis(5)).pipe(Schedule.upTo(Duration.seconds(5)))),
        Effect.orDieWith(() => new Error(`timed out; reports so far: ${reports.map((r) => r._tag).join(", ")}`))
      )
    return { reports, until }
  })

const filled = (reports: ReadonlyArray<ExecutionReport>, orderId: string) =>
  reports.reduce((sum, r) => (r._tag === "VenueFilled" && r.orderId === orderId ? sum + r.quantity : sum), 0)

export const executionContract = (name: string, make: Effect.Effect<ContractVenue, never, Scope.Scope>) =>
  describe(`Execution contract: ${name}`, () => {
    it.scopedLive("accepts a marketable order and fills all of it at or better than its limit", () =>
      Effect.gen(function* () {
        const venue = yield* make
        const { reports, until } = yield* recorder(venue)
        yield* venue.market(T0, 15_000, 15_001)
        venue.execution.execute(submit(newOrder({}), T0 + 1))
        yield* venue.market(T0 + 2, 15_000, 15_001)
        yield* until((r) => filled(r, "contract-1") === 100)
        expect(reports[0]).toMatchObject({ _tag: "VenueAccepted", orderId: "contract-1", accountId: "contract" })
        for (const r of reports) if (r._tag === "VenueFilled") expect(r.price).toBeLessThanOrEqual(15_001)
      })
    )

    it.scopedLive("rests a passive order without filling it, and cancels it", () =>
      Effect.gen(function* () {
        const venue = yield* make
        const { reports, until } = yield* recorder(venue)
        yield* venue.market(T0, 15_000, 15_001)
        venue.execution.execute(submit(newOrder({ limitPrice: 14_000 }), T0 + 1))
        yield* venue.market(T0 + 2, 15_000, 15_001)
        yield* until((r) => r.some((x) => x._tag === "VenueAccepted"))
        venue.execution.execute({
          _tag: "VenueCancel",
          accountId: "contract" as Order["accountId"],
          orderId: "contract-1" as Order["orderId"],
          instrumentId: "AAPL.XNAS" as Order["instrumentId"],
          ts: (T0 + 3) as Order["createdAt"]
        })
        yield* venue.market(T0 + 4, 15_000, 15_001)
        yield* until((r) => r.some((x) => x._tag === "VenueCanceled"))
        expect(filled(reports, "contract-1")).toBe(0)
      })
    )

    it.scopedLive("replaces a resting order's quantity and price", () =>
      Effect.gen(function* () {
        const venue = yield* make
        const { reports, until } = yield* recorder(venue)
        yield* venue.market(T0, 15_000, 15_001)
        venue.execution.execute(submit(newOrder({ limitPrice: 14_000 }), T0 + 1))
        venue.execution.execute({
          _tag: "VenueReplace",
          accountId: "contract" as Order["accountId"],
          orderId: "contract-1" as Order["orderId"],
          instrumentId: "AAPL.XNAS" as Order["instrumentId"],
          quantity: 50 as Order["quantity"],
          limitPrice: 14_100 as NonNullable<Order["limitPrice"]>,
          ts: (T0 + 2) as Order["createdAt"]
        })
        yield* venue.market(T0 + 3, 15_000, 15_001)
        yield* until((r) => r.some((x) => x._tag === "VenueReplaced"))
        expect(reports.find((x) => x._tag === "VenueReplaced")).toMatchObject({ quantity: 50, limitPrice: 14_100 })
      })
    )

    it.scopedLive("rejects an order it cannot trade, naming the order", () =>
      Effect.gen(function* () {
        const venue = yield* make
        const { reports, until } = yield* recorder(venue)
        yield* venue.market(T0, 15_000, 15_001)
        venue.execution.execute(submit(newOrder({ instrumentId: "NOPE.XNAS" }), T0 + 1))
        yield* venue.market(T0 + 2, 15_000, 15_001)
        yield* until((r) => r.some((x) => x._tag === "VenueRejected"))
        expect(reports.find((x) => x._tag === "VenueRejected")).toMatchObject({ orderId: "contract-1" })
      })
    )
  })
