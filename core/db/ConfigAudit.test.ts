import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { serverLayer, serverRequired, serverSource } from "../../test/support/db/testServer"
import * as ConfigAudit from "./ConfigAudit"
import * as Database from "./Database"

const TestLayer = ConfigAudit.layer.pipe(Layer.provideMerge(Database.layerEmbedded()))

/** olga sets the limits of account ACC-1 in session s1. */
const limitsChange = {
  sessionId: "s1",
  actor: "olga",
  action: "risk-limits.set",
  subject: "risk-limits:Account:ACC-1",
  ts: 1,
  before: {},
  after: { maxOrderQuantity: 5 },
  requestId: "audit:a"
}

layer(TestLayer, { timeout: "60 seconds" })("ConfigAudit on the embedded database", (it) => {
  it.effect("records a change pending, settles it, and lists a session's changes newest first", () =>
    Effect.gen(function* () {
      const audit = yield* ConfigAudit.ConfigAudit
      const change = { ...limitsChange, ts: 1_700_000_000_000_000 }
      const first = yield* audit.begin(change)
      expect(first).toMatchObject({ ...change, outcome: "pending", message: null, reverts: null })
      yield* audit.settle(first.id, "applied")
      const revert = yield* audit.begin({
        ...change,
        action: "risk-limits.revert",
        before: change.after,
        after: change.before,
        requestId: "audit:b",
        reverts: first.id
      })
      yield* audit.settle(revert.id, "refused", "unknown account ACC-1")
      yield* audit.begin({ ...change, sessionId: "s2", requestId: "audit:c" })
      const history = yield* audit.history("s1", 10)
      expect(history.map((c) => [c.action, c.outcome, c.message, c.reverts])).toEqual([
        ["risk-limits.revert", "refused", "unknown account ACC-1", first.id],
        ["risk-limits.set", "applied", null, null]
      ])
      expect(Option.getOrThrow(yield* audit.find("s1", first.id)).after).toEqual({ maxOrderQuantity: 5 })
      // Another session's change is not found under this one.
      expect(Option.isNone(yield* audit.find("s2", first.id))).toBe(true)
      // A request id is used once.
      expect((yield* Effect.flip(audit.begin(change)))._tag).toBe("DatabaseError")
    })
  )

  it.effect("orders by the change's number, not by its digits: change 10 is newer than change 9", () =>
    Effect.gen(function* () {
      const audit = yield* ConfigAudit.ConfigAudit
      const begun = yield* Effect.forEach(
        Array.from({ length: 12 }, (_, i) => i),
        (i) =>
          audit.begin({
            ...limitsChange,
            sessionId: "s-many",
            subject: "trading:Account:ACC-1",
            requestId: `many:${i}`
          })
      )
      const ids = begun.map((c) => c.id)
      expect((yield* audit.history("s-many", 20)).map((c) => c.id)).toEqual([...ids].reverse())
      expect((yield* audit.pending("s-many")).map((c) => c.id)).toEqual(ids)
    })
  )
})

/** Two panels on one database: one pending change of a scope's limits at a time, whoever sends it. */
const exclusiveSuite = (name: string, database: Layer.Layer<Database.Database, Database.DatabaseError>) =>
  layer(ConfigAudit.layer.pipe(Layer.provideMerge(database)), { timeout: "60 seconds" })(name, (it) => {
    it.effect("lets one pending change of a scope's limits in at a time; other subjects and sessions are free", () =>
      Effect.gen(function* () {
        const audit = yield* ConfigAudit.ConfigAudit
        const change = { ...limitsChange, sessionId: "x1", requestId: "x:a" }
        const first = yield* audit.beginExclusive(change)
        expect(first._tag).toBe("Begun")
        const id = first._tag === "Begun" ? first.change.id : 0
        // Both at once, from two panels: neither gets in while olga's is pending, and each is told whose it is.
        const [a, b] = yield* Effect.all(
          [
            audit.beginExclusive({ ...change, actor: "oscar", requestId: "x:b" }),
            audit.beginExclusive({ ...change, actor: "ada", requestId: "x:c" })
          ],
          { concurrency: 2 }
        )
        for (const busy of [a, b]) expect(busy).toMatchObject({ _tag: "Busy", pending: { id, actor: "olga" } })
        // Another scope, another session, and a kill switch of the same account are not held by it.
        expect((yield* audit.beginExclusive({ ...change, subject: "risk-limits:Firm", requestId: "x:d" }))._tag).toBe(
          "Begun"
        )
        expect((yield* audit.beginExclusive({ ...change, sessionId: "x2", requestId: "x:e" }))._tag).toBe("Begun")
        yield* audit.begin({ ...change, subject: "trading:Account:ACC-1", requestId: "x:f" })
        yield* audit.begin({ ...change, subject: "trading:Account:ACC-1", requestId: "x:g" })
        // Answered, it frees the scope.
        yield* audit.settle(id, "applied")
        expect((yield* audit.beginExclusive({ ...change, actor: "oscar", requestId: "x:h" }))._tag).toBe("Begun")
        expect((yield* audit.history("x1", 10)).filter((c) => c.actor === "ada")).toHaveLength(0)
      })
    )
  })

exclusiveSuite("ConfigAudit's exclusive limits changes on the embedded database", Database.layerEmbedded())

const source = serverSource()
if (source._tag === "None") {
  describe("ConfigAudit's exclusive limits changes on a real PostgreSQL server", () => {
    if (serverRequired()) it("is required (MERIDIAN_TEST_PG_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  exclusiveSuite(
    "ConfigAudit's exclusive limits changes on a real PostgreSQL server",
    serverLayer(source, `meridian_test_config_audit_${process.pid}`)
  )
}
