/**
 * The contract every connector's `VenueState` passes (reconciliation on start asks it): the simulated venue behind
 * the asynchronous port and each real connector (against a fake venue that speaks its real protocol) run this one
 * suite, beside the `Execution` contract. What it holds must match what it reported live, by the platform's ids.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, type Scope } from "effect"
import type { ExecutionReport } from "../../core/domain/Commands"
import type { Order } from "../../core/domain/Order"
import { type Timestamp, timestamp } from "../../core/domain/Units"
import { VenueBalance, VenueFill, VenueOpenOrder, type VenueState } from "../../core/live/execution/VenueState"
import { newOrder, T0 } from "../fixtures/orders"
import { type ContractVenue, recorder } from "./ExecutionContract"

/** What the suite needs of a venue under test: the `Execution` contract's, and its `VenueState`. */
export interface StateContractVenue extends ContractVenue {
  readonly state: VenueState
}

const order = (orderId: string, limitPrice: number): Order =>
  newOrder({ orderId, clientOrderId: `c-${orderId}`, limitPrice })

const isOpenOrder = Schema.is(VenueOpenOrder)
const isFill = Schema.is(VenueFill)
const isBalance = Schema.is(VenueBalance)

export const venueStateContract = (name: string, make: Effect.Effect<StateContractVenue, never, Scope.Scope>) =>
  describe(`VenueState contract: ${name}`, () => {
    it.scopedLive("lists a resting order by the platform's ids and the venue's, until it is canceled", () =>
      Effect.gen(function* () {
        const venue = yield* make
        const { reports, until } = yield* recorder(venue)
        yield* venue.market(T0, 15_000, 15_001)
        venue.execution.execute({ _tag: "VenueSubmit", order: order("state-1", 14_990), ts: timestamp(T0 + 1) })
        yield* venue.market(T0 + 2, 15_000, 15_001)
        yield* until((r) => r.some((x) => x._tag === "VenueAccepted"))
        const accepted = reports.find((r) => r._tag === "VenueAccepted")!
        const open = yield* venue.state.openOrders.pipe(Effect.orDie)
        for (const o of open) expect(isOpenOrder(o)).toBe(true)
        expect(open.filter((o) => o.orderId === "state-1")).toEqual([
          {
            orderId: "state-1",
            accountId: "contract",
            instrumentId: "AAPL.XNAS",
            side: "buy",
            venueOrderId: accepted._tag === "VenueAccepted" ? accepted.venueOrderId : "",
            leavesQuantity: 100,
            filledQuantity: 0
          }
        ])
        const { accountId, orderId, instrumentId } = order("state-1", 14_990)
        venue.execution.execute({
          _tag: "VenueCancel",
          accountId,
          orderId,
          instrumentId,
          ts: timestamp(T0 + 3)
        })
        yield* venue.market(T0 + 4, 15_000, 15_001)
        yield* until((r) => r.some((x) => x._tag === "VenueCanceled"))
        const after = yield* venue.state.openOrders.pipe(Effect.orDie)
        expect(after.filter((o) => o.orderId === "state-1")).toEqual([])
      })
    )

    it.scopedLive("gives the fills it made since a point as it reported them live, and closes the order", () =>
      Effect.gen(function* () {
        const venue = yield* make
        const { reports, until } = yield* recorder(venue)
        yield* venue.market(T0, 15_000, 15_001)
        venue.execution.execute({ _tag: "VenueSubmit", order: order("state-2", 15_001), ts: timestamp(T0 + 1) })
        yield* venue.market(T0 + 2, 15_000, 15_001)
        const live = () => reports.filter((r) => r._tag === "VenueFilled" && r.orderId === "state-2")
        yield* until(() => live().reduce((sum, r) => sum + (r._tag === "VenueFilled" ? r.quantity : 0), 0) === 100)
        const since = yield* venue.state.fillsSince(T0 as Timestamp).pipe(Effect.orDie)
        for (const fill of since) expect(isFill(fill)).toBe(true)
        // The same fills, by trade id, quantity and price, as were reported live.
        const key = (r: ExecutionReport) =>
          r._tag === "VenueFilled" ? `${r.tradeId} ${r.quantity}@${r.price} ${r.accountId}/${r.orderId}` : ""
        expect(since.filter((f) => f.orderId === "state-2").map(key)).toEqual(live().map(key))
        const last = Math.max(...live().map((r) => r.ts))
        const later = yield* venue.state.fillsSince(timestamp(last + 1)).pipe(Effect.orDie)
        expect(later.filter((f) => f.orderId === "state-2")).toEqual([])
        const open = yield* venue.state.openOrders.pipe(Effect.orDie)
        expect(open.filter((o) => o.orderId === "state-2")).toEqual([])
      })
    )

    it.scopedLive("states its balances in the schema reconciliation decodes", () =>
      Effect.gen(function* () {
        const venue = yield* make
        const balances = yield* venue.state.balances.pipe(Effect.orDie)
        for (const balance of balances) expect(isBalance(balance)).toBe(true)
      })
    )
  })
