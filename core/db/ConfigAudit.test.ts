import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as ConfigAudit from "./ConfigAudit"
import * as Database from "./Database"

const TestLayer = ConfigAudit.layer.pipe(Layer.provideMerge(Database.layerEmbedded()))

layer(TestLayer, { timeout: "60 seconds" })("ConfigAudit on the embedded database", (it) => {
  it.effect("records a change pending, settles it, and lists a session's changes newest first", () =>
    Effect.gen(function* () {
      const audit = yield* ConfigAudit.ConfigAudit
      const change = {
        sessionId: "s1",
        actor: "olga",
        action: "risk-limits.set",
        subject: "risk-limits:Account:ACC-1",
        ts: 1_700_000_000_000_000,
        before: {},
        after: { maxOrderQuantity: 5 },
        requestId: "audit:a"
      }
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
})
