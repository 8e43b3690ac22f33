import { describe, expect, it } from "@effect/vitest"

/** Proves which runtime a matrix run really used: `npm run test:bun` sets MERIDIAN_RUNTIME=bun. */
describe("runtime", () => {
  it("is the runtime the matrix asked for", () => {
    const bun = (globalThis as { Bun?: unknown }).Bun !== undefined
    expect(bun ? "bun" : "node").toBe(process.env.MERIDIAN_RUNTIME ?? "node")
  })
})
