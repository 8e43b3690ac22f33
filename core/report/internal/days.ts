/** UTC days of µs timestamps. */
import { MICROS_PER_DAY } from "../../domain/Units"

/** The first µs of the UTC day of `ts` (a safe integer); exact, unlike `Math.floor(ts / MICROS_PER_DAY)` near 2^53. */
export const utcDayStart = (ts: number): number => ts - (((ts % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY)
