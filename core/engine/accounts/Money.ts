/**
 * Money helpers for the risk checks that answer "cannot tell" instead of throwing: a notional past 2^53 or a
 * conversion without an FX rate becomes `undefined`, which the caller turns into a refusal.
 *
 * @since 0.1.0
 */
import type { Currency } from "../../domain/Currency"
import { type InstrumentSpec, notional } from "../../domain/InstrumentSpec"
import { mulDivRound } from "../../domain/SafeInt"
import type { FxRates } from "../portfolio/FxRates"

/** Money of `lots` at `ticks` in the instrument's currency, or undefined past the safe integer range. */
export const safeNotional = (spec: InstrumentSpec, ticks: number, lots: number): number | undefined => {
  try {
    return notional(spec, ticks, lots)
  } catch {
    return undefined
  }
}

/** `amount` of `from` in minor units of `to`, or undefined without a rate or past the safe integer range. */
export const safeConvert = (fx: FxRates, amount: number, from: Currency, to: Currency): number | undefined => {
  if (from === to || amount === 0 || from.code === to.code) return amount
  try {
    return fx.convert(amount, from, to)
  } catch {
    return undefined
  }
}

/** `amount × bps / 10 000`, rounded half-even; plain arithmetic while the product is exact, else BigInt. */
export const basisPoints = (amount: number, bps: number): number => {
  const product = amount * bps
  if (product === 0) return 0 // never -0
  if (Math.abs(product) > Number.MAX_SAFE_INTEGER) return mulDivRound(amount, bps, 1, 10_000)
  const floor = Math.floor(product / 10_000)
  const twice = 2 * (product - floor * 10_000)
  return twice < 10_000 || (twice === 10_000 && floor % 2 === 0) ? floor : floor + 1
}

/** Whether `|price - reference| ≤ band bps of |reference|`, exact for any safe integers. */
export const withinBand = (price: number, reference: number, band: number): boolean => {
  const distance = Math.abs(price - reference)
  const allowed = Math.abs(reference)
  const left = distance * 10_000
  const right = allowed * band
  if (left <= Number.MAX_SAFE_INTEGER && right <= Number.MAX_SAFE_INTEGER) return left <= right
  return BigInt(distance) * 10_000n <= BigInt(allowed) * BigInt(band)
}
