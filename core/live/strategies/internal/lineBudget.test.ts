import { describe, expect, it } from "@effect/vitest"
import { withinBudget } from "./lineBudget"

describe("withinBudget", () => {
  it("writes `perSecond` lines a second, counts the rest and writes the count once the second is over", async () => {
    const lines: Array<string> = []
    let now = 1_000
    const log = withinBudget(
      3,
      (message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`),
      () => now
    )
    for (let i = 1; i <= 5; i++) log(`order ${i}`, {})
    expect(lines).toEqual(["order 1 {}", "order 2 {}", "order 3 {}"])
    // The count goes out on a timer at the end of the second (a real one: the fake clock stands still).
    for (let i = 0; i < 500 && lines.length === 3; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(lines[3]).toBe('log lines left out {"count":2,"perSecond":3}')
    now = 2_000
    log("order 6", {})
    expect(lines[4]).toBe("order 6 {}")
  })
})
