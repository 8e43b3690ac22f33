import { describe, expect, it } from "@effect/vitest"
import { progressBar } from "./ProgressBar"

/** A terminal that records what is written, and a clock the test moves. */
const terminal = (isTTY: boolean) => {
  const written: Array<string> = []
  let ms = 0
  return {
    written,
    advance: (by: number) => {
      ms += by
    },
    stream: { isTTY, write: (text: string) => written.push(text) },
    now: () => ms
  }
}

describe("progressBar", () => {
  it("draws nothing when stderr is not a terminal", () => {
    const t = terminal(false)
    expect(progressBar(t.stream, t.now)).toBeUndefined()
  })

  it("stays quiet for a run shorter than a second", () => {
    const t = terminal(true)
    const progress = progressBar(t.stream, t.now)!
    t.advance(400)
    progress(500_000, 1_000_000)
    t.advance(400)
    progress(1_000_000, 1_000_000)
    expect(t.written).toEqual([])
  })

  it("shows events, rate and time left after a second, redrawn in place, and ends the line", () => {
    const t = terminal(true)
    const progress = progressBar(t.stream, t.now)!
    t.advance(1_000)
    progress(250_000, 1_000_000)
    t.advance(1_000)
    progress(1_000_000, 1_000_000)
    expect(t.written).toHaveLength(2)
    expect(t.written[0]).toMatch(/^\r█{5}░{15} {2}25% {2}250,000\/1,000,000 {2}250,000\/s {2}ETA 3\.0 s$/)
    expect(t.written[1]).toMatch(/^\r█{20} 100% {2}1,000,000\/1,000,000 {2}500,000\/s {2}ETA 0\.0 s\n$/)
    expect(t.written.every((line) => line.length < 82)).toBe(true)
  })
})
