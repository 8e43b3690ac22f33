/**
 * Latency models: how long a command takes to reach the simulated venue, in microseconds.
 *
 * @since 0.1.0
 */
import type { Rng } from "../Rng"

/** The delay between sending a command and its arrival at the venue. */
export interface LatencyModel {
  readonly delay: (rng: Rng) => number
}

/** Every command arrives `us` microseconds after it was sent. */
export const fixedLatency = (us: number): LatencyModel => ({ delay: () => us })

/** A delay uniform in [baseUs, baseUs + jitterUs], drawn from the venue's seeded generator. */
export const jitteredLatency = (baseUs: number, jitterUs: number): LatencyModel => ({
  delay: (rng) => baseUs + rng.nextInt(jitterUs + 1)
})
