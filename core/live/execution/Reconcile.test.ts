import { describe, expect, it } from "@effect/vitest"
import type { ExecutionCommand, ExecutionReport } from "../../domain/Commands"
import { fillsSince, resolve } from "./Reconcile"
import type { VenueFill, VenueOpenOrder } from "./VenueState"
import { VenueView } from "./VenueView"

const submit = (orderId: string, quantity: number, ts: number) =>
  ({
    _tag: "VenueSubmit",
    ts,
    order: { accountId: "ACC-1", orderId, instrumentId: "AAPL.XNAS", side: "buy", quantity }
  }) as unknown as ExecutionCommand
const accepted = (orderId: string) =>
  ({ _tag: "VenueAccepted", accountId: "ACC-1", orderId, venueOrderId: `V-${orderId}`, ts: 1 }) as ExecutionReport
const fill = (orderId: string, tradeId: string, quantity: number) =>
  ({
    _tag: "VenueFilled",
    accountId: "ACC-1",
    orderId,
    tradeId,
    quantity,
    price: 100,
    fee: 0,
    feeCurrency: "USD",
    liquidity: "taker",
    ts: 2
  }) as VenueFill
const open = (orderId: string | undefined, leaves: number) =>
  ({
    ...(orderId === undefined ? {} : { accountId: "ACC-1", orderId }),
    instrumentId: "AAPL.XNAS",
    venueOrderId: `V-${orderId ?? "x"}`,
    side: "buy",
    leavesQuantity: leaves,
    filledQuantity: 0
  }) as VenueOpenOrder

/** Orders sent here: O1 accepted and partly filled (T1), O2 accepted, O3 never acknowledged, O4 closed. */
const view = () => {
  const v = new VenueView()
  for (const [id, ts] of [
    ["O1", 10],
    ["O2", 20],
    ["O3", 30],
    ["O4", 5]
  ] as const)
    v.command(submit(id, 10, ts))
  for (const r of [accepted("O1"), fill("O1", "T1", 4), accepted("O2"), accepted("O4")]) v.report(r)
  v.report({ _tag: "VenueCanceled", accountId: "ACC-1", orderId: "O4", ts: 3 } as ExecutionReport)
  return v
}

describe("reconciliation rules", () => {
  it("asks for fills since the oldest order still working", () => {
    expect(fillsSince(view())).toBe(10)
    expect(fillsSince(new VenueView())).toBeUndefined()
  })

  it("agrees when the venue holds what the Accounts Service was told", () => {
    const agreed = resolve(
      view(),
      { openOrders: [open("O1", 6), open("O2", 10)], fills: [fill("O1", "T1", 4)], balances: [] },
      () => undefined,
      99
    )
    expect(agreed.reports).toEqual([])
    expect(agreed.resend.map((c) => c._tag)).toEqual(["VenueSubmit"])
    expect(agreed.differences.map((d) => d.kind)).toEqual(["resent"])
  })

  it("applies the venue's fills, closes, accepts, resends, and reports the rest", () => {
    const resolution = resolve(
      view(),
      {
        // O1 filled out at the venue (T2, T3); O2 gone; O3 open there; O4 open there though closed here; a stranger.
        openOrders: [open("O3", 10), open("O4", 10), open(undefined, 3)],
        fills: [fill("O1", "T1", 4), fill("O1", "T2", 2), fill("O1", "T3", 4), fill("O9", "T9", 1)],
        balances: [
          { accountId: "ACC-1", currency: "USD", total: 500 },
          { accountId: "ACC-1", currency: "EUR", total: 0 },
          { currency: "USD", total: 7 }
        ] as never
      },
      (_, currency) => (currency === "USD" ? 400 : undefined),
      99
    )
    expect(resolution.reports).toEqual([
      fill("O1", "T2", 2),
      fill("O1", "T3", 4),
      { _tag: "VenueCanceled", accountId: "ACC-1", orderId: "O2", ts: 99 },
      { _tag: "VenueAccepted", accountId: "ACC-1", orderId: "O3", venueOrderId: "V-O3", ts: 99 }
    ])
    expect(resolution.resend).toEqual([])
    expect(resolution.differences.map((d) => d.kind)).toEqual([
      "missing-fill",
      "missing-fill",
      "unknown-fill",
      "open-at-venue",
      "unknown-order",
      "closed-at-venue",
      "missing-accept",
      "balance",
      "balance"
    ])
    expect(resolution.differences.at(-2)!.detail).toBe(
      "ACC-1 USD: 500 at the venue, 400 in the Accounts Service; reported"
    )
  })
})
