/**
 * Checked integer arithmetic for the hot path. Plain `number` operations, with a check that throws
 * `PrecisionLossError` as soon as a result leaves the safe integer range, where doubles silently round.
 *
 * A product whose exact value exceeds 2^53 - 1 rounds to at least 2^53, so checking the rounded result is sound.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

export class PrecisionLossError extends Data.TaggedError("PrecisionLossError")<{
  readonly operation: string
  readonly operands: ReadonlyArray<number>
}> {
  override get message(): string {
    return `${this.operation}(${this.operands.join(", ")}) leaves the safe integer range`
  }
}

/** Kept out of line so that the checks stay small enough to inline everywhere. */
const lost = (operation: string, a: number, b: number): never => {
  throw new PrecisionLossError({ operation, operands: [a, b] })
}

/** Whether a result is still exact; NaN fails both comparisons, so it is refused too. */
const exact = (r: number): boolean => r <= Number.MAX_SAFE_INTEGER && r >= -Number.MAX_SAFE_INTEGER

export const add = (a: number, b: number): number => (exact(a + b) ? a + b : lost("add", a, b))
export const sub = (a: number, b: number): number => (exact(a - b) ? a - b : lost("sub", a, b))
export const mul = (a: number, b: number): number => (exact(a * b) ? a * b : lost("mul", a, b))

/** Whether `a * b` stays exact. */
export const mulIsSafe = (a: number, b: number): boolean => Math.abs(a * b) <= Number.MAX_SAFE_INTEGER

/**
 * `a * b * num / den` rounded half-even, exact even when `a * b` alone exceeds 2^53 (it falls back to BigInt).
 * Used to turn ticks × lots into money when the instrument's value per tick is fractional.
 */
export const mulDivRound = (a: number, b: number, num: number, den: number): number => {
  const product = a * b * num
  if (Math.abs(product) <= Number.MAX_SAFE_INTEGER && den === 1) return product
  const exact = BigInt(a) * BigInt(b) * BigInt(num)
  const d = BigInt(den)
  let q = exact / d
  const r = exact - q * d
  if (r !== 0n) {
    const twice = 2n * (r < 0n ? -r : r)
    const away = exact < 0n ? -1n : 1n
    if (twice > d || (twice === d && q % 2n !== 0n)) q += away
  }
  const result = Number(q)
  if (!Number.isSafeInteger(result))
    throw new PrecisionLossError({ operation: "mulDivRound", operands: [a, b, num, den] })
  return result
}
