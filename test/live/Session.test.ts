/**
 * A paper session of the four live services, each in its own process on loopback, on Node and on Bun: the Market
 * Data Service replays daily bars in lockstep, the SMA crossover decides, the Accounts Service accepts, the
 * Execution Service fills on the simulated venue, the position and cash follow the fills, and the Projector writes
 * it all into PostgreSQL (embedded, and a real server when there is one).
 */
import { SqlClient } from "@effect/sql"
import { Effect, type Layer, type Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import * as Database from "../../core/db/Database"
import type { AccountEvent } from "../../core/domain/Events"
import { serverDatabase, serverRequired, serverSource } from "../support/db/testServer"
import type { runtimes } from "./serviceProcess"
import {
  ACCOUNT,
  accountEvents,
  cleanUpSessions,
  DEPOSIT,
  fillsOf,
  finalState,
  type Projection,
  sessionFiles,
  startSession,
  untilSettled
} from "./sessionProcesses"

afterAll(cleanUpSessions)

/** What the projection stored for the account. */
const stored = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const orders = yield* sql<{ client_order_id: string; status: string; filled_quantity: string }>`
    SELECT client_order_id, status, filled_quantity::text FROM orders WHERE account_id = ${ACCOUNT}
    ORDER BY client_order_id`
  const fills = yield* sql<{ trade_id: string; client_order_id: string; quantity: string; price: string }>`
    SELECT trade_id, client_order_id, quantity::text, price::text FROM fills WHERE account_id = ${ACCOUNT}
    ORDER BY sequence`
  const [position] = yield* sql<{
    quantity: string
  }>`SELECT quantity::text FROM positions WHERE account_id = ${ACCOUNT}`
  return { orders, fills, position: Number(position?.quantity ?? 0) }
})

const tagged = <T extends AccountEvent["_tag"]>(events: ReadonlyArray<AccountEvent>, tag: T) =>
  events.filter((e): e is Extract<AccountEvent, { _tag: T }> => e._tag === tag)

const scenario = (runtime: keyof typeof runtimes, projection: Projection) =>
  Effect.gen(function* () {
    const files = yield* sessionFiles(projection)
    const session = yield* startSession(runtime, files)
    yield* untilSettled(files)
    const events = yield* accountEvents(files)
    yield* Effect.promise(session.stop)

    // The strategy's orders were accepted by the account and the venue, and filled.
    const submitted = tagged(events, "OrderSubmitted")
    expect(submitted.length).toBeGreaterThanOrEqual(4)
    expect(tagged(events, "OrderRejected")).toEqual([])
    expect(tagged(events, "OrderAccepted").length).toBe(submitted.length)
    const fills = fillsOf(events)
    const filled = new Set(fills.map((f) => f.clientOrderId))
    // Every order but possibly one sent on the last bar (no bar after it to fill it) is filled.
    expect(filled.size).toBeGreaterThanOrEqual(submitted.length - 1)
    expect(fills.every((f) => f.quantity === 10)).toBe(true)

    // The position and the cash are what the fills say (price in cents: tick 0.01, multiplier 1).
    const bought = fills.filter((f) => f.side === "buy")
    const sold = fills.filter((f) => f.side === "sell")
    const sum = (list: typeof fills, f: (fill: (typeof fills)[number]) => number) =>
      list.reduce((total, fill) => total + f(fill), 0)
    const { position, cash } = finalState(events)
    expect(position).toBe(sum(bought, (f) => f.quantity) - sum(sold, (f) => f.quantity))
    expect(cash).toBe(
      DEPOSIT -
        sum(bought, (f) => f.quantity * f.price) +
        sum(sold, (f) => f.quantity * f.price) -
        sum(fills, (f) => f.fee)
    )

    // The Projector wrote the orders and fills into PostgreSQL.
    const layer: Layer.Layer<Database.Database, unknown> =
      projection._tag === "Embedded"
        ? Database.layerEmbedded({ dataDir: files.embedded })
        : Database.layer(projection.url)
    const db = yield* stored.pipe(Effect.provide(layer))
    expect(db.orders.map((o) => o.client_order_id)).toEqual(submitted.map((s) => s.order.clientOrderId).sort())
    expect(db.fills.map((f) => [f.trade_id, f.client_order_id, Number(f.quantity), Number(f.price)])).toEqual(
      fills.map((f) => [f.tradeId, f.clientOrderId, f.quantity, f.price])
    )
    expect(db.position).toBe(position)
  })

/** A database on the real server, or why there is none. */
const realServer = (name: string): Effect.Effect<Projection, unknown, Scope.Scope> => {
  const source = serverSource()
  if (source._tag === "None") return Effect.die(new Error(source.why))
  return Effect.map(serverDatabase(source, name), (url) => ({ _tag: "Server", url }) as const)
}

const hasServer = serverSource()._tag !== "None" || serverRequired()

describe("a paper session of the four services in their own processes", () => {
  // Node projects into the real server when there is one (CI), else into the embedded database; Bun always into
  // the embedded one: each runtime and each kind of database is covered, in one session less.
  it.skipIf(hasServer)(
    "trades the SMA crossover in lockstep and projects into the embedded database on node",
    { timeout: 600_000 },
    () => Effect.runPromise(scenario("node", { _tag: "Embedded" }))
  )
  it("trades the SMA crossover in lockstep and projects into the embedded database on bun", { timeout: 600_000 }, () =>
    Effect.runPromise(scenario("bun", { _tag: "Embedded" }))
  )
  it.runIf(hasServer)(
    "trades the SMA crossover and projects into a real PostgreSQL server on node",
    { timeout: 600_000 },
    () => Effect.runPromise(Effect.scoped(Effect.flatMap(realServer("live_session"), (db) => scenario("node", db))))
  )
})
