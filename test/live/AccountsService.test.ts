/**
 * The Accounts Service as users run it: `meridian service accounts --config <file>` in its own process, on Node and
 * on Bun, with a strategy and an execution client over the protocol on loopback. A client submits, the service
 * accepts, the venue's reports fill the order, the position changes; after a restart the service answers a resend
 * as the first time and streams resume where they stopped.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { Effect, Either, type Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import * as Database from "../../core/db/Database"
import type { AccountEvent } from "../../core/domain/Events"
import { serverDatabase, serverRequired, serverSource } from "../support/db/testServer"
import { cleanUp, client, configure, follow, KEYS, restingBuy, type runtimes, start, stop } from "./serviceProcess"

afterAll(cleanUp)

/** Where the service projects its events: the embedded database in its folder, a real server's URL, or nowhere. */
type Projection =
  | { readonly _tag: "Embedded" }
  | { readonly _tag: "Server"; readonly url: string }
  | { readonly _tag: "None" }

const ts = 0
const submit = (clientOrderId: string) => restingBuy("ACC-1", clientOrderId, 10)

/** What the projection stored: the account's events and its position. */
const stored = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [events] = yield* sql<{ n: string }>`SELECT count(*)::text AS n FROM account_events WHERE account_id = 'ACC-1'`
  const [position] = yield* sql<{ quantity: string }>`SELECT quantity::text FROM positions WHERE account_id = 'ACC-1'`
  return { events: Number(events!.n), position: Number(position?.quantity) }
})

const scenario = (runtime: keyof typeof runtimes, projection: Projection, collector?: string) =>
  Effect.gen(function* () {
    const { file: config, dir } = configure("ACC-1", {
      metrics: { host: "127.0.0.1", port: 0 },
      ...(projection._tag === "Embedded" && { database: { embedded: "db" } }),
      ...(projection._tag === "Server" && { database: { url: { env: "MERIDIAN_TEST_DATABASE_URL" } } }),
      ...(collector !== undefined && { tracing: { otlp: collector, exportIntervalMs: 200 } })
    })
    const env = { MERIDIAN_TEST_DATABASE_URL: projection._tag === "Server" ? projection.url : "" }
    const first = yield* Effect.promise(() => start(runtime, config, env))
    const { orderId, lastEvent } = yield* Effect.scoped(
      Effect.gen(function* () {
        const strategy = yield* client(first.port, "strategies", KEYS.MERIDIAN_TEST_KEY_STRATEGIES)
        const execution = yield* client(first.port, "execution", KEYS.MERIDIAN_TEST_KEY_EXECUTION)
        expect(
          yield* strategy.call({
            _tag: "Deposit",
            accountId: "ACC-1",
            currency: "USD",
            amount: 100_000_000,
            reference: "seed",
            ts
          })
        ).toMatchObject({ _tag: "Accepted" })
        expect(yield* strategy.call({ _tag: "Mark", instrumentId: "AAPL.XNAS", price: 19_000, ts })).toMatchObject({
          _tag: "Accepted"
        })
        const accepted = (yield* strategy.call(submit("c-1"))) as { _tag: string; orderIds: Array<string> }
        expect(accepted._tag).toBe("Accepted")
        const orderId = accepted.orderIds[0]!
        // The execution service sees the order and reports it accepted and filled.
        const [venueSubmit] = yield* follow<{ _tag: string }>(execution, "executions/0", 0, (e) => e.length === 1)
        expect(venueSubmit).toMatchObject({ _tag: "VenueSubmit", order: { orderId } })
        yield* execution.call({ _tag: "VenueAccepted", accountId: "ACC-1", orderId, venueOrderId: "V-1", ts })
        yield* execution.call({
          _tag: "VenueFilled",
          accountId: "ACC-1",
          orderId,
          ts,
          tradeId: "T-1",
          quantity: 10,
          price: 19_000,
          fee: 100,
          feeCurrency: "USD",
          liquidity: "maker"
        })
        const events = yield* follow<AccountEvent>(strategy, "events/0", 0, (e) =>
          e.some((event) => event._tag === "PositionChanged")
        )
        const position = events.find((e) => e._tag === "PositionChanged")
        expect(position).toMatchObject({ position: { quantity: 10 } })
        // Bad input is refused with the field named, and changes nothing.
        const bad = yield* Effect.either(
          strategy.call({ ...submit("c-2"), request: { ...submit("c-2").request, quantity: -1 } })
        )
        expect(Either.isLeft(bad) && JSON.stringify(bad.left)).toContain("quantity")
        return { orderId, lastEvent: events.length }
      })
    )
    // A wrong key is refused in the handshake.
    const refused = yield* Effect.either(Effect.scoped(client(first.port, "strategies", "wrong")))
    expect(Either.isLeft(refused) && refused.left._tag === "ProtocolError" && refused.left.reason).toBe("Refused")
    const metrics = yield* Effect.promise(() =>
      fetch(`http://127.0.0.1:${first.metrics}/metrics`).then((r) => r.text())
    )
    expect(metrics).toMatch(/meridian_accounts_inputs_total\{outcome="accepted"\} 5/)
    expect(metrics).toContain("meridian_accounts_answer_seconds_bucket")
    yield* Effect.promise(() => stop(first.child))

    // Restarted: the same order for a resend, and the stream goes on after the last event seen.
    const second = yield* Effect.promise(() => start(runtime, config, env))
    yield* Effect.scoped(
      Effect.gen(function* () {
        const strategy = yield* client(second.port, "strategies", KEYS.MERIDIAN_TEST_KEY_STRATEGIES)
        expect(yield* strategy.call(submit("c-1"))).toMatchObject({ _tag: "Accepted", orderIds: [orderId] })
        yield* strategy.call(submit("c-3"))
        const next = yield* follow<AccountEvent>(strategy, "events/0", lastEvent, (e) =>
          e.some((event) => event._tag === "OrderSubmitted")
        )
        // The fill's last events (its cash), then c-3; c-1 was not submitted again.
        expect(next.map((e) => e._tag)).toEqual(["CashChanged", "CashChanged", "OrderSubmitted"])
        expect(next[0]!.sequence).toBe(lastEvent + 1)
        expect(next[2]).toMatchObject({ order: { clientOrderId: "c-3" } })
      })
    )
    yield* Effect.promise(() => stop(second.child))
    if (projection._tag === "None") return
    // Every event went into the central database, once, and the position with them.
    const layer =
      projection._tag === "Embedded"
        ? Database.layerEmbedded({ dataDir: join(dir, "db") })
        : Database.layer(projection.url)
    expect(yield* stored.pipe(Effect.provide(layer))).toEqual({ events: lastEvent + 3, position: 10 })
  })

/** A database on the real server, or why there is none (then the test is skipped, unless CI requires it). */
const realServer = (name: string): Effect.Effect<Projection, unknown, Scope.Scope> => {
  const source = serverSource()
  if (source._tag === "None") return Effect.die(new Error(source.why))
  return Effect.map(serverDatabase(source, name), (url) => ({ _tag: "Server", url }) as const)
}

/** An OpenTelemetry collector on loopback, as far as OTLP/HTTP JSON goes: the names of the spans it received. */
const collector = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly spans: Array<string>; readonly close: () => void }>((resume) => {
    const spans: Array<string> = []
    const server = createServer((request, response) => {
      let body = ""
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString()
      })
      request.on("end", () => {
        if (request.url === "/v1/traces") {
          const { resourceSpans } = JSON.parse(body) as {
            resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }>
          }
          for (const resource of resourceSpans)
            for (const scope of resource.scopeSpans) for (const span of scope.spans) spans.push(span.name)
        }
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resume(
        Effect.succeed({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          spans,
          close: () => server.close()
        })
      )
    )
  }),
  (collector) => Effect.sync(collector.close)
)

const hasServer = serverSource()._tag !== "None" || serverRequired()

describe("meridian service accounts", () => {
  it("accepts, fills, recovers and projects into the embedded database on Node", { timeout: 180_000 }, () =>
    Effect.runPromise(scenario("node", { _tag: "Embedded" }))
  )
  it("accepts, fills, recovers and sends traces to a collector on Bun", { timeout: 180_000 }, () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const otlp = yield* collector
          yield* scenario("bun", { _tag: "None" }, otlp.url)
          expect(otlp.spans).toContain("accounts.recover")
          expect(otlp.spans).toContain("accounts.journal.commit")
        })
      )
    )
  )
  it.runIf(hasServer)("projects into a real PostgreSQL server and sends traces on Node", { timeout: 180_000 }, () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const otlp = yield* collector
          yield* scenario("node", yield* realServer("accounts_service"), otlp.url)
          expect(otlp.spans).toContain("accounts.journal.commit")
        })
      )
    )
  )
})
