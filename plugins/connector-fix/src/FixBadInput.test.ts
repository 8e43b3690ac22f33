import { describe, expect, it } from "@effect/vitest"
import type { Order } from "@meridian/core/domain/Order"
import { Duration, Effect } from "effect"
import { eventually } from "../test/brokerProcess"
import { crashOrder, T0 } from "../test/connectorProcess"
import { loggedOn } from "../test/loggedOn"

const SECRET = "s3cret-never-logged"
const REPORT = "37=X1|11=nobody|17=BAD1|150=0|39=0|55=AAPL|207=XNAS|54=1|151=10|14=0|6=0"

describe("FIX connector: bad venue input", () => {
  it.scopedLive(
    "garbage, a wrong CheckSum or BodyLength, an unknown tag and a report for no order are logged, counted and rejected; the session goes on",
    () =>
      Effect.gen(function* () {
        const { broker, fix, lines, reports } = yield* loggedOn("BADIN", SECRET)

        const inject = (body: Record<string, unknown>) =>
          Effect.promise(() => broker.inject({ session: "BADIN", ...body }))
        yield* inject({ raw: "this is not FIX at all\u0001\u0001==" })
        yield* inject({ msgType: "8", fields: REPORT, corrupt: "checksum" })
        yield* inject({ msgType: "8", fields: REPORT, corrupt: "bodyLength" })
        yield* inject({ msgType: "8", fields: `${REPORT}|9999=unknown` })
        yield* inject({ msgType: "8", fields: REPORT.replace("BAD1", "BAD2") })
        yield* eventually(() => (fix.stats().badInput >= 5 ? true : undefined), Duration.seconds(20))

        // Still trading: an order goes out and fills.
        yield* Effect.promise(() => broker.quote("AAPL.XNAS", T0, "150.00", "150.01"))
        fix.execution.execute({ _tag: "VenueSubmit", order: crashOrder(0), ts: (T0 + 1) as Order["createdAt"] })
        yield* eventually(
          () => (reports.some((r) => r._tag === "VenueFilled") ? true : undefined),
          Duration.seconds(20)
        )

        expect(fix.stats().loggedOn).toBe(true)
        expect(reports.map((r) => r._tag)).toEqual(["VenueAccepted", "VenueFilled"])
        const log = lines.join("\n")
        expect(log).toMatch(/outside any FIX frame/)
        expect(log).toMatch(/CheckSum .* is wrong/)
        expect(log).toMatch(/BodyLength/)
        expect(log).toMatch(/never sent/)
        expect(log).not.toContain(SECRET)
        expect(broker.stderr()).not.toContain(SECRET)
      }),
    120_000
  )
})
