/**
 * Account events reach a strategy after the engine call that made them returned: an order sent from a handler is
 * checked against the state after the whole event it reacts to, never in the middle of it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { run } from "../../core/backtest/Backtest"
import type { BarColumns } from "../../core/data/Columns"
import { generateBars } from "../../core/data/Generate"
import type { AccountEvent } from "../../core/domain/Events"
import type { AccountId, ClientOrderId, InstrumentId } from "../../core/domain/Ids"
import type { BarPeriod } from "../../core/domain/MarketData"
import type { RiskLimits } from "../../core/domain/Risk"
import { Accounts } from "../../core/services/Accounts"
import { MarketData } from "../../core/services/MarketData"
import { notionalFractionFee } from "../../plugins/connector-sim/src/index"
import { currencies } from "../fixtures/instruments"
import { SPX, simVenue } from "./support"

const ACCOUNT = "acc" as AccountId
const MAX_SENT_PER_BAR = 4
const bars = (count: number, seed: number): BarColumns =>
  generateBars({
    instruments: 1,
    count,
    seed,
    startTs: Date.UTC(2024, 0, 2, 14, 30) * 1000,
    period: "1m" as BarPeriod,
    startPrice: 10_000,
    stepsPerBar: 6
  })

/** What a test strategy does on each handler call: nothing, or send one order. */
interface Move {
  readonly send: boolean
  readonly side: "buy" | "sell"
  readonly quantity: number
  /** A market order when undefined; else a limit this many ticks from the last close. */
  readonly offset: number | undefined
}

/** A backtest whose strategy follows `moves` (cyclically) in every bar and account event handler. */
const runScripted = (options: {
  readonly data: BarColumns
  readonly limits: RiskLimits
  readonly moves: ReadonlyArray<Move>
  readonly events: Array<AccountEvent>
  /** The order each sent order reacted to: the event's sequence, or 0 for a bar. */
  readonly reactions: Map<ClientOrderId, number>
}) =>
  run({
    instruments: [SPX],
    currencies,
    data: [options.data],
    strategyId: "scripted",
    account: { id: ACCOUNT, kind: "margin", baseCurrency: "USD", deposit: 10_000_000 },
    riskLimits: [{ scope: { _tag: "Account", accountId: ACCOUNT }, limits: options.limits }],
    venue: simVenue("close", notionalFractionFee("0.001")),
    strategy: Effect.gen(function* () {
      const accounts = yield* Accounts
      const marketData = yield* MarketData
      const instrumentId = SPX.id as InstrumentId
      let lastClose = 10_000
      let step = 0
      // Orders sent since the last bar: reacting to its own orders' events, a strategy must stop somewhere.
      let sent = 0
      const act = (reaction: number) => {
        const move = options.moves[step++ % options.moves.length]!
        if (!move.send || sent === MAX_SENT_PER_BAR) return
        sent++
        const id = accounts.submit(
          move.offset === undefined
            ? { instrumentId, side: move.side, type: "market", quantity: move.quantity, timeInForce: "GTC" }
            : {
                instrumentId,
                side: move.side,
                type: "limit",
                quantity: move.quantity,
                limitPrice: Math.max(1, lastClose + move.offset),
                timeInForce: "GTC"
              }
        )
        options.reactions.set(id, reaction)
      }
      yield* accounts.subscribe((event) => {
        options.events.push(event)
        act(event.sequence)
      })
      yield* marketData.subscribe(instrumentId, {
        onBar: (bar) => {
          lastClose = bar.close
          sent = 0
          act(0)
        }
      })
    })
  })

/** The events that book an event's outcome in the same engine call: a fill's position, cash and kill switch. */
const isConsequence = (event: AccountEvent): boolean =>
  event._tag === "PositionChanged" || event._tag === "CashChanged" || event._tag === "KillSwitchChanged"

describe("account events after the call", () => {
  it.effect("refuses an order sent from a fill handler when that fill tripped the kill switch", () =>
    Effect.gen(function* () {
      const events: Array<AccountEvent> = []
      const reactions = new Map<ClientOrderId, number>()
      // The first bar buys 1; its fill's fee (10 cents) trips a 1-cent daily loss limit; the fill handler buys 10.
      const moves: Array<Move> = [
        { send: true, side: "buy", quantity: 1, offset: undefined },
        { send: false, side: "buy", quantity: 1, offset: undefined },
        { send: false, side: "buy", quantity: 1, offset: undefined },
        { send: true, side: "buy", quantity: 10, offset: undefined },
        ...Array.from({ length: 100 }, () => ({ send: false, side: "buy" as const, quantity: 1, offset: undefined }))
      ]
      yield* runScripted({ data: bars(5, 1), limits: { dailyLossLimit: 1 } as RiskLimits, moves, events, reactions })
      const tags = events.map((e) => (e._tag === "OrderRejected" ? `OrderRejected ${e.reason}` : e._tag))
      expect(tags).toEqual([
        "OrderSubmitted",
        "OrderAccepted",
        "OrderFilled",
        "PositionChanged",
        "CashChanged",
        "CashChanged",
        "KillSwitchChanged",
        "OrderRejected KILL_SWITCH"
      ])
    })
  )

  it("never accepts an order that breaks a limit in force after the event it reacted to", () => {
    const move: fc.Arbitrary<Move> = fc.record({
      send: fc.boolean(),
      side: fc.constantFrom("buy" as const, "sell" as const),
      quantity: fc.integer({ min: 1, max: 6 }),
      offset: fc.option(fc.integer({ min: -8, max: 8 }), { nil: undefined })
    })
    const limits: fc.Arbitrary<RiskLimits> = fc.record({
      maxPosition: fc.integer({ min: 1, max: 12 }),
      maxOpenOrders: fc.integer({ min: 1, max: 4 }),
      dailyLossLimit: fc.integer({ min: 0, max: 4_000 })
    }) as fc.Arbitrary<RiskLimits>
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        limits,
        fc.array(move, { minLength: 1, maxLength: 40 }),
        (seed, limits, moves) => {
          const events: Array<AccountEvent> = []
          const reactions = new Map<ClientOrderId, number>()
          Effect.runSync(runScripted({ data: bars(120, seed), limits, moves, events, reactions }))
          checkReactions(events, reactions, limits)
        }
      ),
      { numRuns: 40 }
    )
  })
})

/**
 * Replays the event log: for each order a handler sent, the event it reacted to and that event's consequences
 * come before the order's own first event, and if risk accepted the order, the limits held in the state those
 * earlier events leave.
 */
const checkReactions = (
  events: ReadonlyArray<AccountEvent>,
  reactions: ReadonlyMap<ClientOrderId, number>,
  limits: RiskLimits
): void => {
  const bySequence = [...events].sort((a, b) => a.sequence - b.sequence)
  expect(bySequence.map((e) => e.sequence)).toEqual(events.map((e) => e.sequence))
  let killSwitch = false
  let position = 0
  const open = new Map<string, { side: "buy" | "sell"; leaves: number }>()
  const clientOf = new Map<string, ClientOrderId>()
  const seen = new Set<ClientOrderId>()
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!
    const first =
      event._tag === "OrderSubmitted"
        ? event.order.clientOrderId
        : event._tag === "OrderRejected" && !seen.has(event.clientOrderId)
          ? event.clientOrderId
          : undefined
    const reaction = first === undefined ? undefined : reactions.get(first)
    if (first !== undefined && reaction !== undefined) {
      seen.add(first)
      if (reaction > 0) {
        // The reacted-to event and the events that booked it are all before this order's first event.
        const at = events.findIndex((e) => e.sequence === reaction)
        let end = at
        while (end + 1 < events.length && isConsequence(events[end + 1]!)) end++
        expect(at).toBeGreaterThanOrEqual(0)
        expect(end).toBeLessThan(i)
      }
      if (event._tag === "OrderSubmitted") {
        const { side, quantity } = event.order
        let sameSide = 0
        for (const o of open.values()) if (o.side === side) sameSide += o.leaves
        const projected = side === "buy" ? position + sameSide + quantity : position - sameSide - quantity
        // A tripped switch still lets an order reduce the position.
        const reducing = side === "buy" ? position < 0 && quantity <= -position : position > 0 && quantity <= position
        if (!reducing) expect(killSwitch).toBe(false)
        expect(Math.abs(projected)).toBeLessThanOrEqual(limits.maxPosition ?? Number.POSITIVE_INFINITY)
        expect(open.size).toBeLessThan(limits.maxOpenOrders ?? Number.POSITIVE_INFINITY)
      }
    }
    switch (event._tag) {
      case "OrderSubmitted":
        seen.add(event.order.clientOrderId)
        open.set(event.order.orderId, { side: event.order.side, leaves: event.order.quantity })
        clientOf.set(event.order.orderId, event.order.clientOrderId)
        break
      case "OrderFilled": {
        const order = open.get(event.fill.orderId)
        if (order !== undefined) order.leaves = event.leavesQuantity
        if (event.leavesQuantity === 0) open.delete(event.fill.orderId)
        break
      }
      case "OrderRejected":
      case "OrderCanceled":
      case "OrderExpired":
        if (event.orderId !== undefined) open.delete(event.orderId)
        break
      case "PositionChanged":
        position = event.position.quantity
        break
      case "KillSwitchChanged":
        killSwitch = event.active
        break
      default:
        break
    }
  }
  expect(seen.size).toBe(reactions.size)
}
