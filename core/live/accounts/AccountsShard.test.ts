import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { nodeJournalFiles } from "../../../runtimes/node/NodeJournalFiles"
import { AAPL, currencies } from "../../../test/fixtures/instruments"
import type { ExecutionCommand } from "../../domain/Commands"
import type { AccountEvent } from "../../domain/Events"
import type { AccountId, ClientOrderId, CurrencyCode, OrderId, TradeId, VenueOrderId } from "../../domain/Ids"
import type { Lots, Minor, Ticks, Timestamp } from "../../domain/Units"
import { AccountsShard, type Outcome } from "./AccountsShard"
import { HOUR_US } from "./NavMarks"
import type { ShardInput } from "./ShardInput"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-shard-"))
  dirs.push(dir)
  return dir
}

const ACC = "acc-1" as AccountId
const USD = "USD" as CurrencyCode
let clock = 1_700_000_000_000_000
const shardIn = (dir: string, now: (input: ShardInput) => number = () => ++clock) =>
  AccountsShard.open({
    journal: { files: nodeJournalFiles, dir },
    accounts: [{ id: ACC, name: "one", kind: "margin", baseCurrency: USD }],
    instruments: [AAPL],
    currencies,
    now
  })

const ts = 0 as Timestamp
const deposit: ShardInput = {
  _tag: "Deposit",
  accountId: ACC,
  currency: USD,
  amount: 1_000_000 as Minor,
  reference: "d",
  ts
}
const mark: ShardInput = { _tag: "Mark", instrumentId: AAPL.id, price: 15_000 as Ticks, ts }
const buy = (id: string, quantity: number): ShardInput => ({
  _tag: "SubmitOrder",
  ts,
  request: {
    accountId: ACC,
    strategyId: "s" as never,
    clientOrderId: id as ClientOrderId,
    instrumentId: AAPL.id,
    side: "buy",
    type: "limit",
    quantity: quantity as Lots,
    limitPrice: 15_000 as Ticks,
    timeInForce: "GTC",
    reduceOnly: false,
    postOnly: false
  }
})
const market = (id: string): ShardInput => {
  const order = buy(id, 1) as Extract<ShardInput, { _tag: "SubmitOrder" }>
  const { limitPrice: _, ...request } = order.request
  return { ...order, request: { ...request, type: "market" } }
}
const filled = (orderId: string, quantity: number): ShardInput => ({
  _tag: "VenueFilled",
  accountId: ACC,
  orderId: orderId as OrderId,
  ts,
  tradeId: `t-${orderId}` as TradeId,
  quantity: quantity as Lots,
  price: 15_000 as Ticks,
  fee: 0 as Minor,
  feeCurrency: USD,
  liquidity: "maker"
})

/** Send `inputs` and wait until all are durable; returns their outcomes in order. */
const send = (shard: AccountsShard, inputs: ReadonlyArray<ShardInput>) =>
  Effect.gen(function* () {
    const outcomes: Array<Outcome> = []
    for (const input of inputs) shard.handle(input, (outcome) => outcomes.push(outcome))
    expect(outcomes).toEqual([])
    yield* shard.sync
    expect(outcomes).toHaveLength(inputs.length)
    return outcomes
  })

describe("AccountsShard", () => {
  it.effect("answers, publishes and sends to the venue only once an input is durable", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const shard = yield* shardIn(tempDir())
        const events: Array<AccountEvent> = []
        const venue: Array<ExecutionCommand> = []
        shard.events.follow((_, event) => events.push(event))
        shard.executions.follow((_, command) => venue.push(command))
        shard.handle(deposit)
        shard.handle(mark)
        shard.handle(buy("c1", 10))
        // Applied at once (the next input is checked against it), but nothing went out yet.
        expect(shard.state.openOrders(ACC)).toHaveLength(1)
        expect([events, venue]).toEqual([[], []])
        yield* shard.sync
        expect(events.map((e) => e._tag)).toEqual(["CashChanged", "OrderSubmitted"])
        expect(venue.map((c) => c._tag)).toEqual(["VenueSubmit"])
      })
    )
  )

  it.effect("refuses by pre-trade risk with the engine's reason", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const shard = yield* shardIn(tempDir())
        const [, , refused] = yield* send(shard, [deposit, mark, buy("big", 10_000)])
        expect(refused).toMatchObject({ _tag: "Refused", reason: "BUYING_POWER" })
      })
    )
  )

  it.effect("comes back after a restart with the same state and stream, and answers a resend as the first time", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const first = yield* Effect.scoped(
        Effect.gen(function* () {
          const shard = yield* shardIn(dir)
          const outcomes = yield* send(shard, [deposit, mark, buy("c1", 10), buy("c2", 5)])
          const orderId = (outcomes[2] as Extract<Outcome, { _tag: "Accepted" }>).orderIds[0]!
          yield* send(shard, [
            {
              _tag: "VenueAccepted",
              accountId: ACC,
              orderId: orderId as OrderId,
              venueOrderId: "v1" as VenueOrderId,
              ts
            },
            filled(orderId, 10)
          ])
          yield* shard.sync
          return {
            lastSeq: shard.recovered.lastSeq + shard.journalStats().records,
            outcomes,
            position: shard.state.portfolio(ACC).positionQuantity(0),
            cash: shard.state.portfolio(ACC).freeCash(USD),
            open: shard.state.openOrders(ACC),
            events: shard.events.read(1, 1_000),
            executions: shard.executions.read(1, 1_000)
          }
        })
      )
      expect(first.position).toBe(10)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const shard = yield* shardIn(dir)
          // Six inputs, and the record structures they use, journaled before them.
          expect(shard.recovered.lastSeq).toBe(first.lastSeq)
          expect(shard.state.portfolio(ACC).positionQuantity(0)).toBe(first.position)
          expect(shard.state.portfolio(ACC).freeCash(USD)).toBe(first.cash)
          expect(shard.state.openOrders(ACC)).toEqual(first.open)
          expect(shard.events.read(1, 1_000)).toEqual(first.events)
          expect(shard.executions.read(1, 1_000)).toEqual(first.executions)
          // The client did not hear back before the crash and sends c2 again: same outcome, no second order.
          // It was durable already, so the answer comes at once.
          const again: Array<Outcome> = []
          shard.handle(buy("c2", 5), (outcome) => again.push(outcome))
          expect(again).toEqual([first.outcomes[3]])
          expect(shard.state.openOrders(ACC)).toHaveLength(1)
          expect(shard.events.last).toBe(first.events!.length)
          // Shapes the journal has not seen before (a cancel, a market order) after the restart.
          yield* send(shard, [
            { _tag: "CancelOrder", accountId: ACC, clientOrderId: "c2" as ClientOrderId, ts },
            market("c3")
          ])
        })
      )
      const third = yield* Effect.scoped(
        Effect.map(shardIn(dir), (shard) => ({
          open: shard.state.openOrders(ACC).map((o) => o.clientOrderId),
          events: shard.events.last
        }))
      )
      expect(third.open).toEqual(["c2", "c3"])
      expect(third.events).toBeGreaterThan(first.events!.length)
    })
  )

  it.effect("acknowledges a venue report sent again, before and after a restart, and changes nothing", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const accepted = (orderId: string): ShardInput => ({
        _tag: "VenueAccepted",
        accountId: ACC,
        orderId: orderId as OrderId,
        venueOrderId: "v1" as VenueOrderId,
        ts
      })
      const first = yield* Effect.scoped(
        Effect.gen(function* () {
          const shard = yield* shardIn(dir)
          const outcomes = yield* send(shard, [deposit, mark, buy("c1", 10)])
          const orderId = (outcomes[2] as Extract<Outcome, { _tag: "Accepted" }>).orderIds[0]!
          yield* send(shard, [accepted(orderId), filled(orderId, 4)])
          const events = shard.events.last
          const again = yield* send(shard, [accepted(orderId), filled(orderId, 4)])
          expect(again.map((o) => o._tag)).toEqual(["Accepted", "Accepted"])
          expect(shard.events.last).toBe(events)
          return { orderId, events }
        })
      )
      yield* Effect.scoped(
        Effect.gen(function* () {
          const shard = yield* shardIn(dir)
          const again = yield* send(shard, [filled(first.orderId, 4), accepted(first.orderId)])
          expect(again.map((o) => o._tag)).toEqual(["Accepted", "Accepted"])
          expect(shard.events.last).toBe(first.events)
          expect(shard.state.portfolio(ACC).positionQuantity(0)).toBe(4)
        })
      )
    })
  )

  it.effect(
    "answers a deposit or a cancel sent again under its request id with the first outcome, across a restart",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        const keyed = (input: ShardInput, requestId: string): ShardInput => Object.assign({ requestId }, input)
        const cancel = (requestId: string) =>
          keyed({ _tag: "CancelOrder", accountId: ACC, clientOrderId: "c1" as ClientOrderId, ts }, requestId)
        const first = yield* Effect.scoped(
          Effect.gen(function* () {
            const shard = yield* shardIn(dir)
            const outcomes = yield* send(shard, [keyed(deposit, "dep-1"), keyed(deposit, "dep-1"), mark, buy("c1", 1)])
            expect(outcomes[1]).toEqual(outcomes[0])
            const [canceled, again] = yield* send(shard, [cancel("can-1"), cancel("can-1")])
            expect(again).toEqual(canceled)
            expect(canceled!._tag).toBe("Accepted")
            // One deposit of 10 000.00 was booked, and one cancel: no "not open" refusal for the resend.
            expect(shard.state.portfolio(ACC).freeCash(USD)).toBe(1_000_000)
            return { events: shard.events.last, deposited: outcomes[0] }
          })
        )
        yield* Effect.scoped(
          Effect.gen(function* () {
            const shard = yield* shardIn(dir)
            // Durable already: answered at once.
            const answers: Array<Outcome> = []
            shard.handle(keyed(deposit, "dep-1"), (outcome) => answers.push(outcome))
            expect(answers).toEqual([first.deposited])
            expect(shard.events.last).toBe(first.events)
            expect(shard.state.portfolio(ACC).freeCash(USD)).toBe(1_000_000)
            // Another request id is another deposit.
            yield* send(shard, [keyed(deposit, "dep-2")])
            expect(shard.state.portfolio(ACC).freeCash(USD)).toBe(2_000_000)
          })
        )
      })
  )

  it.effect("stamps inputs with the time it is given, never going back, across a restart", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const feed = (input: ShardInput) => input.ts
      const at = (t: number): ShardInput => ({ ...deposit, ts: t as Timestamp })
      const stamps = (shard: AccountsShard) => (shard.events.read(1, 100) ?? []).map((e) => e.ts)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const shard = yield* shardIn(dir, feed)
          yield* send(shard, [at(100), at(50), at(200)])
          expect(stamps(shard)).toEqual([100, 100, 200])
        })
      )
      yield* Effect.scoped(
        Effect.gen(function* () {
          const shard = yield* shardIn(dir, feed)
          yield* send(shard, [at(150), at(300)])
          expect(stamps(shard)).toEqual([100, 100, 200, 200, 300])
        })
      )
    })
  )

  it.effect(
    "marks the NAV at the end of each hour of its clock in which it changed and after each cash movement, once durable, and the same after a restart from a snapshot",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        const feed = (input: ShardInput) => input.ts
        const H = HOUR_US
        const T0 = 490_000 * H
        const at = (input: ShardInput, t: number) => ({ ...input, ts: t as Timestamp })
        const price = (ticks: number, t: number): ShardInput => ({ ...mark, price: ticks as Ticks, ts: t as Timestamp })
        const navs = (shard: AccountsShard) => (shard.navs.read(1, 100) ?? []).map((m) => [m.ts, m.nav])
        const before = yield* Effect.scoped(
          Effect.gen(function* () {
            const shard = yield* shardIn(dir, feed)
            shard.handle(at(deposit, T0 + 10))
            // Held with the input's own results until the journal made it durable.
            expect(shard.navs.last).toBe(0)
            const [order] = yield* send(shard, [at(buy("c1", 10), T0 + 30)])
            const orderId = (order as Extract<Outcome, { _tag: "Accepted" }>).orderIds[0]!
            yield* send(shard, [
              {
                _tag: "VenueAccepted",
                accountId: ACC,
                orderId: orderId as OrderId,
                venueOrderId: "v1" as VenueOrderId,
                ts
              },
              at(filled(orderId, 10), T0 + 40),
              price(16_000, T0 + H + 5), // 10,100.00
              price(15_500, T0 + H + 100) // 10,050.00: the hour's end
            ])
            yield* shard.snapshot
            yield* send(shard, [
              price(15_500, T0 + 3 * H), // an idle hour passed: one mark, of the hour that changed
              price(15_500, T0 + 4 * H), // nothing changed in the hour before: no mark
              at({ ...deposit, _tag: "Withdraw", amount: 5_000 as Minor }, T0 + 4 * H + 1) // 10,000.00
            ])
            expect(navs(shard)).toEqual([
              [T0 + 10, 1_000_000],
              [T0 + 2 * H - 1, 1_005_000],
              [T0 + 4 * H + 1, 1_000_000]
            ])
            return shard.navs.read(1, 100)
          })
        )
        yield* Effect.scoped(
          Effect.gen(function* () {
            const shard = yield* shardIn(dir, feed)
            expect(shard.recovered.snapshot?.seq).toBeGreaterThan(0)
            expect(shard.recovered.snapshotProblems).toEqual([])
            expect(shard.navs.read(1, 100)).toEqual(before)
            // The hour of the last input before the restart ends when the next one comes.
            yield* send(shard, [price(16_500, T0 + 4 * H + 2), price(16_500, T0 + 5 * H)])
            expect(navs(shard).slice(3)).toEqual([[T0 + 5 * H - 1, 1_010_000]])
          })
        )
      })
  )
})
