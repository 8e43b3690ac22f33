import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer, type Vitest } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Schedule, Scope } from "effect"
import { accountEvents, DEPOSIT, FEE } from "../../test/support/db/syntheticEvents"
import { serverLayer, serverRequired, serverSource } from "../../test/support/db/testServer"
import type { AccountEvent } from "../domain/Events"
import type { AccountId } from "../domain/Ids"
import * as Database from "./Database"
import * as Projector from "./Projector"

type It = Vitest.MethodsNonLive<Database.Database, true>

const id = (s: string) => s as AccountId

/** Everything stored for an account, as text, in a fixed order: equal snapshots mean nothing changed. */
const snapshot = (accountId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const dump = (table: string, order: string) =>
      sql.unsafe<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM ${table} t WHERE account_id = $1 ORDER BY ${order}`,
        [accountId]
      )
    return {
      events: yield* dump("account_events", "sequence"),
      orders: yield* dump("orders", "order_id"),
      fills: yield* dump("fills", "sequence"),
      positions: yield* dump("positions", "instrument_id"),
      snapshots: yield* dump("position_snapshots", "sequence"),
      cash: yield* dump("cash_balances", "currency"),
      movements: yield* dump("cash_movements", "sequence")
    }
  })

/** The final state of `accountEvents(accountId, orders)` with an even number of round-trip orders. */
const expectFinalState = (accountId: string, orders: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const s = yield* snapshot(accountId)
    expect(s.events.length).toBe(1 + 5 * orders)
    expect(s.fills.length).toBe(orders)
    expect(s.snapshots.length).toBe(orders)
    expect(s.movements.length).toBe(1 + orders)
    const [position] = yield* sql<{ quantity: string; realized_pnl: string; fees: string }>`
      SELECT quantity, realized_pnl, fees FROM positions WHERE account_id = ${accountId}`
    // Each round trip buys 10 at p and sells 10 at p + 1: +10 cents realized, 2 fees of 100.
    expect(position).toEqual({
      quantity: "0",
      realized_pnl: String((orders / 2) * 10),
      fees: String(orders * FEE)
    })
    const [cash] = yield* sql<{ total: string }>`SELECT total FROM cash_balances WHERE account_id = ${accountId}`
    expect(cash?.total).toBe(String(DEPOSIT + (orders / 2) * 10 - orders * FEE))
    const sequences = yield* sql<{ sequence: string }>`
      SELECT sequence FROM account_events WHERE account_id = ${accountId} ORDER BY sequence`
    expect(sequences.map((r) => Number(r.sequence))).toEqual(Array.from({ length: 1 + 5 * orders }, (_, i) => i + 1))
  })

const feed = (projector: Projector.ProjectorService, events: ReadonlyArray<AccountEvent>) =>
  Effect.sync(() => {
    for (const e of events) projector.enqueue(e)
  })

/** The projector's behaviour on any backend; `server` adds what only a real server can do. */
const projectorSuite = (it: It, server: boolean) => {
  it.scoped("projects events into orders, fills, positions and cash; the same events twice change nothing", () =>
    Effect.gen(function* () {
      const projector = yield* Projector.make({ batchSize: 7 })
      const events = accountEvents("idem", 2)
      yield* feed(projector, events)
      yield* projector.flush
      // 2 orders: buy 10 @ 15000, sell 10 @ 15001.
      // cash = 100_000_000 − 150_000 − 100 + 150_010 − 100 = 99_999_810
      yield* expectFinalState("idem", 2)
      const sql = yield* SqlClient.SqlClient
      const orders = yield* sql<{ status: string; filled_quantity: string; filled_value: string }>`
        SELECT status, filled_quantity, filled_value FROM orders WHERE account_id = 'idem' ORDER BY order_id`
      expect(orders).toEqual([
        { status: "filled", filled_quantity: "10", filled_value: "150000" },
        { status: "filled", filled_quantity: "10", filled_value: "150010" }
      ])
      const before = yield* snapshot("idem")
      // Redelivered in full, then interleaved with itself inside one batch.
      yield* feed(projector, events)
      yield* feed(
        projector,
        events.flatMap((e) => [e, e])
      )
      yield* projector.flush
      expect(yield* snapshot("idem")).toEqual(before)
      // A fresh projector (empty cache) sees them as already stored too.
      const fresh = yield* Projector.make({ batchSize: 100 })
      yield* feed(fresh, events)
      yield* fresh.flush
      expect(yield* snapshot("idem")).toEqual(before)
      expect(yield* fresh.lastSequence(id("idem"))).toBe(11)
    })
  )

  it.scoped("applies replaces, cancels and late acceptances whether an order is new in the batch or stored", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [deposit, submitted, accepted] = accountEvents("mods", 1) as [AccountEvent, AccountEvent, AccountEvent]
      if (submitted._tag !== "OrderSubmitted" || accepted._tag !== "OrderAccepted") return expect.fail("fixture")
      const at = (sequence: number) => ({ sequence: sequence as never, ts: (submitted.ts + sequence) as never })
      const orderId = submitted.order.orderId
      const replaced: AccountEvent = {
        _tag: "OrderReplaced",
        accountId: id("mods"),
        ...at(4),
        orderId,
        quantity: 7 as never,
        limitPrice: 14_990 as never
      }
      const canceled: AccountEvent = { _tag: "OrderCanceled", accountId: id("mods"), ...at(5), orderId }
      const read = sql<{ status: string; quantity: string; limit_price: string; venue_order_id: string }>`
        SELECT status, quantity, limit_price, venue_order_id FROM orders WHERE order_id = ${orderId}`
      // Batch 1: submit and replace together (the insert carries the replace).
      const projector = yield* Projector.make({ batchSize: 100 })
      yield* feed(projector, [deposit, submitted, { ...accepted, ...at(3) }, replaced])
      yield* projector.flush
      expect(yield* read).toEqual([{ status: "accepted", quantity: "7", limit_price: "14990", venue_order_id: "v0" }])
      // Batch 2: the stored order is canceled; a replayed acceptance after it changes nothing.
      yield* feed(projector, [canceled, { ...accepted, ...at(6) }])
      yield* projector.flush
      expect(yield* read).toEqual([{ status: "canceled", quantity: "7", limit_price: "14990", venue_order_id: "v0" }])
    })
  )

  it.scoped("reports a gap, stores nothing past it, and completes when the missing events are replayed", () =>
    Effect.gen(function* () {
      const gaps: Array<Projector.Gap> = []
      const projector = yield* Projector.make({ onGap: (gap) => Effect.sync(() => gaps.push(gap)) })
      const events = accountEvents("gap", 2)
      // Sequences 1-3 and 6-11: 4 and 5 are missing.
      yield* feed(projector, [...events.slice(0, 3), ...events.slice(5)])
      yield* projector.flush
      expect(gaps).toEqual([{ accountId: "gap", expected: 4, received: 6 }])
      expect(yield* projector.lastSequence(id("gap"))).toBe(3)
      // The source replays from lastSequence + 1.
      yield* feed(projector, events.slice(3))
      yield* projector.flush
      expect(gaps.length).toBe(1)
      yield* expectFinalState("gap", 2)
    })
  )

  it.scoped("resumes after a crash in the middle of a batch: no event lost, none twice", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // Order 7's fill (sequence 2 + 5 × 7 + 2 = 39) fails, so the batch of sequences 31-40 keeps failing.
      yield* sql.unsafe(`CREATE FUNCTION fail_crash_fill() RETURNS trigger AS $$ BEGIN
          IF NEW.account_id = 'crash' AND NEW.trade_id = 't7' THEN RAISE EXCEPTION 'injected failure'; END IF;
          RETURN NEW; END $$ LANGUAGE plpgsql`)
      yield* sql.unsafe(
        "CREATE TRIGGER fail_crash_fill BEFORE INSERT ON fills FOR EACH ROW EXECUTE FUNCTION fail_crash_fill()"
      )
      const events = accountEvents("crash", 40) // 201 events
      const scope = yield* Scope.make()
      const first = yield* Projector.make({ batchSize: 10 }).pipe(Scope.extend(scope))
      yield* feed(first, events)
      const stored = first.lastSequence(id("crash"))
      yield* stored.pipe(Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (n) => n === 30 }))
      // Let it fail and retry a few times, then kill it mid-batch.
      yield* Effect.sleep("300 millis")
      yield* Scope.close(scope, Exit.void)
      // The failed batch left nothing behind: 30 events, and the fills of orders 0-5 (sequences 4, 9, ..., 29).
      expect(yield* stored).toBe(30)
      const [fills] = yield* sql<{ n: string }>`SELECT count(*)::text AS n FROM fills WHERE account_id = 'crash'`
      expect(fills?.n).toBe("6")
      yield* sql.unsafe("DROP TRIGGER fail_crash_fill ON fills")
      // Restart and replay from a little before the last stored sequence (at-least-once).
      const second = yield* Projector.make({ batchSize: 10 })
      const last = yield* second.lastSequence(id("crash"))
      yield* feed(second, events.slice(last - 5))
      yield* second.flush
      yield* expectFinalState("crash", 40)
    }).pipe(Effect.scoped)
  )

  it.scoped("two projectors write different accounts in parallel", () =>
    Effect.gen(function* () {
      const run = (accountId: string) =>
        Effect.gen(function* () {
          const projector = yield* Projector.make({ batchSize: 5 })
          yield* feed(projector, accountEvents(accountId, 20))
          yield* projector.flush
        }).pipe(Effect.scoped)
      yield* Effect.all([run("par-a"), run("par-b")], { concurrency: "unbounded" })
      yield* expectFinalState("par-a", 20)
      yield* expectFinalState("par-b", 20)
    })
  )

  if (server) {
    it.scoped("on a real server, a transaction holding one account does not stop another account's projector", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const release = yield* Deferred.make<void>()
        const holding = yield* Deferred.make<void>()
        // Another writer holds sequence 1 of 'held' in an open transaction.
        const holder = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              yield* sql`INSERT INTO account_events ${sql.insert({ account_id: "held", sequence: 1, ts: 1, type: "X", payload: "{}" })}`
              yield* Deferred.succeed(holding, undefined)
              yield* Deferred.await(release)
              return yield* Effect.fail("rollback" as const)
            })
          )
          .pipe(Effect.either, Effect.fork)
        yield* Deferred.await(holding)
        const held = yield* Projector.make()
        const free = yield* Projector.make()
        yield* feed(held, accountEvents("held", 2))
        yield* feed(free, accountEvents("free", 2))
        const heldDone = yield* Effect.fork(held.flush)
        yield* free.flush
        yield* expectFinalState("free", 2)
        // 'held' waits on the open transaction (same primary key) until it rolls back.
        expect(heldDone.unsafePoll()).toBeNull()
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder)
        yield* Fiber.join(heldDone)
        yield* expectFinalState("held", 2)
      }).pipe(Effect.scoped)
    )
  }
}

layer(Database.layerEmbedded(), { timeout: "60 seconds", excludeTestServices: true })(
  "projector on the embedded database",
  (it) => projectorSuite(it, false)
)

const source = serverSource()
if (source._tag === "None") {
  describe("projector on a real PostgreSQL server", () => {
    if (serverRequired()) it("is required (MERIDIAN_TEST_PG_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  layer(serverLayer(source, `meridian_test_projector_${process.pid}`, { maxConnections: 6 }), {
    timeout: "60 seconds",
    excludeTestServices: true
  })("projector on a real PostgreSQL server", (it) => projectorSuite(it, true))
}
