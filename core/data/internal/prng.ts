/**
 * mulberry32: a small, fast, seeded generator of 32-bit integers, good enough for synthetic market data.
 */

/** A generator of uniformly distributed unsigned 32-bit integers from `seed`; the same seed gives the same run. */
export const mulberry32 = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (t ^ (t >>> 14)) >>> 0
  }
}
