/**
 * Projection throughput: account events per second from `Projector.enqueue` until committed in PostgreSQL
 * (events, orders, fills, positions, cash), into the embedded default and, when MERIDIAN_TEST_PG_URL is set or
 * initdb/pg_ctl are installed, a real server (a fresh database on it). 8 accounts × 1,000 orders = 40,008 events.
 * Prints one JSON line.
 */
import { Effect, type Layer } from "effect"
import * as Database from "../core/db/Database"
import * as Projector from "../core/db/Projector"
import { accountEvents } from "../test/support/db/syntheticEvents"
import { serverLayer, serverSource } from "../test/support/db/testServer"

const ACCOUNTS = 8
const ORDERS = 1_000
const events = Array.from({ length: ACCOUNTS }, (_, a) => accountEvents(`bench-${a}`, ORDERS)).flat()

/** Events per second through one projector on `layer`, timed from the first enqueue to the last commit. */
const measure = (layer: Layer.Layer<Database.Database, Database.DatabaseError>) =>
  Effect.gen(function* () {
    const projector = yield* Projector.make({ batchSize: 500 })
    const start = performance.now()
    for (const e of events) projector.enqueue(e)
    yield* projector.flush
    const seconds = (performance.now() - start) / 1_000
    return Math.round(events.length / seconds)
  }).pipe(Effect.scoped, Effect.provide(layer))

const program = Effect.gen(function* () {
  const embedded = yield* measure(Database.layerEmbedded())
  console.log(`embedded: ${embedded} events/s`)
  const source = serverSource()
  const server =
    source._tag === "None" ? null : yield* measure(serverLayer(source, `meridian_bench_projection_${process.pid}`))
  console.log(source._tag === "None" ? `real server: skipped (${source.why})` : `real server: ${server} events/s`)
  console.log(
    JSON.stringify({
      bench: "projection",
      events: events.length,
      events_per_s_embedded: embedded,
      events_per_s_server: server,
      server: source._tag === "Url" ? "MERIDIAN_TEST_PG_URL" : source._tag === "Local" ? "local cluster" : "none"
    })
  )
})

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exit(1)
})
