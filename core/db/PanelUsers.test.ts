import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as Database from "./Database"
import * as PanelUsers from "./PanelUsers"

const TestLayer = PanelUsers.layer.pipe(Layer.provideMerge(Database.layerEmbedded()))

layer(TestLayer, { timeout: "60 seconds" })("PanelUsers on the embedded database", (it) => {
  it.effect("adds a user once, finds its login with its role, and refuses the same name again", () =>
    Effect.gen(function* () {
      const users = yield* PanelUsers.PanelUsers
      yield* users.add({ name: "ana", role: "operator", passwordHash: "$argon2id$x", now: 1 })
      const login = yield* users.findLogin("ana")
      expect(Option.getOrThrow(login)).toEqual({
        id: "ana",
        name: "ana",
        passwordHash: "$argon2id$x",
        disabled: false,
        roles: ["operator"]
      })
      const again = yield* Effect.flip(users.add({ name: "ana", role: "admin", passwordHash: "h", now: 2 }))
      expect(again._tag).toBe("UserExists")
      expect(Option.isNone(yield* users.findLogin("nobody"))).toBe(true)
    })
  )

  it.effect("a session is found until it expires or closes", () =>
    Effect.gen(function* () {
      const users = yield* PanelUsers.PanelUsers
      yield* users.add({ name: "ben", role: "quant", passwordHash: "h", now: 1 })
      yield* users.openSession({ tokenHash: "t1", userId: "ben", csrfToken: "c1", now: 10, expiresAt: 100 })
      yield* users.openSession({ tokenHash: "t2", userId: "ben", csrfToken: "c2", now: 10, expiresAt: 100 })
      const found = Option.getOrThrow(yield* users.findSession("t1", 50))
      expect(found).toMatchObject({ userId: "ben", name: "ben", roles: ["quant"], csrfToken: "c1" })
      yield* users.closeSession("t1")
      expect(Option.isNone(yield* users.findSession("t1", 50))).toBe(true)
      expect(Option.isNone(yield* users.findSession("t2", 100))).toBe(true)
    })
  )

  it.effect("counts failed logins per name and address in a window, and clears them", () =>
    Effect.gen(function* () {
      const users = yield* PanelUsers.PanelUsers
      for (const ts of [1, 5, 9]) yield* users.recordFailure("cy", "10.0.0.1", ts)
      yield* users.recordFailure("cy", "10.0.0.2", 9)
      expect(yield* users.failuresSince("cy", "10.0.0.1", 5)).toBe(2)
      yield* users.clearFailures("cy", "10.0.0.1")
      expect(yield* users.failuresSince("cy", "10.0.0.1", 0)).toBe(0)
      expect(yield* users.failuresSince("cy", "10.0.0.2", 0)).toBe(1)
    })
  )
})
