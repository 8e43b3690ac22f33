import { describe, expect, it } from "@effect/vitest"
import type { Order } from "@meridian/core/domain/Order"
import { Duration, Effect } from "effect"
import { eventually } from "../test/brokerProcess"
import { crashOrder, T0 } from "../test/connectorProcess"
import { loggedOn } from "../test/loggedOn"

const SECRET = "cancel-reject-secret"

describe("FIX connector: OrderCancelReject", () => {
  it.scopedLive(
    "a refused cancel of a working order is reported as the cancel's rejection; one of an order already done is only counted",
    () =>
      Effect.gen(function* () {
        const { broker, fix, lines, reports, until } = yield* loggedOn("CXLREJ", SECRET)
        yield* Effect.promise(() => broker.quote("AAPL.XNAS", T0, "150.00", "150.01"))
        const submit = (i: number) =>
          fix.execution.execute({ _tag: "VenueSubmit", order: crashOrder(i), ts: (T0 + 1) as Order["createdAt"] })
        const cancel = (i: number) => {
          const { accountId, instrumentId, orderId } = crashOrder(i)
          const ts = (T0 + 2) as Order["createdAt"]
          fix.execution.execute({ _tag: "VenueCancel", accountId, instrumentId, orderId, ts })
        }
        // crash-0 buys at 150.01 and fills; crash-1 bids 149.50 and works.
        submit(0)
        submit(1)
        yield* until(
          (r) => r.some((x) => x._tag === "VenueFilled") && r.filter((x) => x._tag === "VenueAccepted").length === 2
        )

        // Too late: the simulator refuses the cancel of the filled order (OrdStatus 2). Nothing to report.
        cancel(0)
        yield* eventually(() => (fix.stats().cancelRejects === 1 ? true : undefined), Duration.seconds(20))

        // A broker refusing the cancel of a working order (OrdStatus 0): the cancel's rejection, the order lives on.
        yield* Effect.promise(() =>
          broker.inject({
            session: "CXLREJ",
            msgType: "9",
            fields: "37=SIM-1|11=crash-1.9|41=crash-1|39=0|434=1|102=3|58=cancel window closed"
          })
        )
        yield* until((r) => r.some((x) => x._tag === "VenueRejected"))
        expect(reports.filter((r) => r._tag === "VenueRejected")).toEqual([
          expect.objectContaining({ orderId: "crash-1", message: "cancel refused by the venue: cancel window closed" })
        ])
        expect(fix.stats().cancelRejects).toBe(2)
        expect(lines.join("\n")).toMatch(/cancel crash-0\.\d+ refused: too late/)

        // Still working at the venue: a cancel now goes through.
        cancel(1)
        yield* until((r) => r.some((x) => x._tag === "VenueCanceled" && x.orderId === "crash-1"))
      }),
    120_000
  )
})
