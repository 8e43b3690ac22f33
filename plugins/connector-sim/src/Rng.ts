/**
 * A small seeded pseudo-random generator (mulberry32). The simulated venue draws latency jitter and slippage from
 * it, so a run with the same seed and inputs gives the same reports.
 *
 * @since 0.1.0
 */

/** A deterministic stream of numbers. */
export interface Rng {
  /** A float in [0, 1). */
  readonly nextFloat: () => number
  /** An integer in [0, bound). */
  readonly nextInt: (bound: number) => number
}

/** A generator seeded with the low 32 bits of `seed`. */
export const makeRng = (seed: number): Rng => {
  let state = seed >>> 0
  const nextFloat = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  return { nextFloat, nextInt: (bound) => Math.floor(nextFloat() * bound) }
}
