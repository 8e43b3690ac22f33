import { describe, expect, it } from "@effect/vitest"
import { CASH, MARGIN, makeBench } from "../../../test/support/accounts/harness"
import type { AccountId } from "../../domain/Ids"
import type { Timestamp } from "../../domain/Units"

const halt = (halted: boolean, accountId: AccountId = MARGIN) => ({
  _tag: "SetTradingHalt" as const,
  scope: { _tag: "Account" as const, accountId },
  halted,
  reason: "desk",
  ts: 0 as Timestamp
})

describe("AccountsEngine: the operator's kill switch", () => {
  it("cancels the account's open orders, refuses every new one (reducing too) until resumed, and leaves others alone", () => {
    const b = makeBench()
    b.deposit(100_000_000, MARGIN)
    b.deposit(100_000_000, CASH)
    b.submit({ id: "long", account: MARGIN })
    b.fill(b.idOf("long", MARGIN), 10, 15_000, 0, MARGIN)
    b.submit({ id: "a", account: MARGIN })
    b.submit({ id: "b", account: MARGIN })
    b.submit({ id: "other", account: CASH })
    const from = b.executions.length
    b.engine.handle({ ...halt(true), ts: b.ts() })
    expect(
      b.executions.slice(from).map((c) => [c._tag, c._tag === "VenueSubmit" ? c.order.orderId : c.orderId])
    ).toEqual([
      ["VenueCancel", b.idOf("a", MARGIN)],
      ["VenueCancel", b.idOf("b", MARGIN)]
    ])
    expect(b.last("KillSwitchChanged")).toMatchObject({
      accountId: MARGIN,
      active: true,
      reason: "account margin-1: halted by the operator: desk"
    })
    b.submit({ id: "c", account: MARGIN })
    expect(b.lastRefusal()).toMatchObject({ reason: "KILL_SWITCH", clientOrderId: "c" })
    b.submit({ id: "flatten", account: MARGIN, side: "sell" })
    expect(b.lastRefusal()).toMatchObject({ reason: "KILL_SWITCH", clientOrderId: "flatten" })
    b.submit({ id: "cash-ok", account: CASH })
    expect(b.order("cash-ok")?.status).toBe("pending-new")
    // Halting again changes nothing; a new UTC day does not resume; only the operator does.
    const events = b.events.length
    b.engine.handle({ ...halt(true), ts: b.ts() })
    expect(b.events.length).toBe(events)
    b.at(b.now() + 86_400_000_000)
    b.submit({ id: "next-day", account: MARGIN })
    expect(b.lastRefusal()).toMatchObject({ reason: "KILL_SWITCH", clientOrderId: "next-day" })
    b.engine.handle({ ...halt(false), ts: b.ts() })
    expect(b.last("KillSwitchChanged")).toMatchObject({ accountId: MARGIN, active: false })
    b.submit({ id: "d", account: MARGIN })
    expect(b.order("d", MARGIN)?.status).toBe("pending-new")
    expect(b.engine.riskControls().find((c) => c.scope._tag === "Account" && c.scope.accountId === MARGIN)).toEqual({
      scope: { _tag: "Account", accountId: MARGIN },
      limits: {},
      halted: false,
      killed: false
    })
  })

  it("a daily-loss switch that resets while the operator's is on leaves the account blocked", () => {
    const b = makeBench()
    b.deposit(100_000_000, MARGIN)
    b.limits({ _tag: "Account", accountId: MARGIN }, { dailyLossLimit: 1_000 as never })
    b.submit({ id: "long", account: MARGIN })
    b.fill(b.idOf("long", MARGIN), 10, 15_000, 0, MARGIN)
    b.mark(0, 14_000)
    expect(b.last("KillSwitchChanged")).toMatchObject({ active: true })
    b.engine.handle({ ...halt(true), ts: b.ts() })
    const events = b.events.length
    // Raising the limit resets the daily-loss switch; the account hears nothing, as the operator's is still on.
    b.limits({ _tag: "Account", accountId: MARGIN }, {})
    expect(b.events.slice(events).map((e) => e._tag)).toEqual(["RiskLimitsChanged"])
    b.engine.handle({ ...halt(false), ts: b.ts() })
    expect(b.last("KillSwitchChanged")).toMatchObject({ active: false })
  })
})
