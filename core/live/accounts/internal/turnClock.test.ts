import { describe, expect, it } from "@effect/vitest"
import { TurnClock } from "./turnClock"

describe("TurnClock", () => {
  it("reads its source once per turn: the same reading until the turn's microtasks ran", async () => {
    let reads = 0
    const clock = new TurnClock(() => ++reads * 10)
    expect([clock.now(), clock.now(), clock.now()]).toEqual([10, 10, 10])
    await Promise.resolve()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect([clock.now(), clock.now()]).toEqual([20, 20])
    expect(reads).toBe(2)
  })
})
