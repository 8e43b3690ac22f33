/** Number formats shared by the renderings. */
import { Either } from "effect"
import * as Decimal from "../../domain/Decimal"

/** Decimals kept in CSV and JSON numbers. */
export const DECIMALS = 6

/** `x` rounded to `DECIMALS`, without negative zero; integers (timestamps, minor units) stay exact. */
export const rounded = (x: number): number => {
  if (Number.isInteger(x)) return x === 0 ? 0 : x
  const r = Number(x.toFixed(DECIMALS))
  return r === 0 ? 0 : r
}

/** `x` rounded to `DECIMALS` as its shortest decimal string, never in exponent notation; "" when not finite. */
export const numberText = (x: number): string => Either.getOrElse(Decimal.fromNumber(rounded(x)), () => "")

/**
 * Integer minor units (a safe integer) as a decimal string with `decimals` digits after the point, the text of
 * `Decimal.fromUnits` without its BigInt: `-5` with 2 decimals is `"-0.05"`. `%` and the division of the
 * difference are exact on doubles, unlike `Math.floor(units / 10^d)`.
 */
export const minorUnits = (decimals: number): ((units: number) => string) => {
  if (decimals === 0) return String
  const scale = 10 ** decimals
  return (units) => {
    const abs = Math.abs(units)
    const fraction = abs % scale
    return `${units < 0 ? "-" : ""}${(abs - fraction) / scale}.${String(fraction).padStart(decimals, "0")}`
  }
}

/**
 * Units of `inc` (a tick, a lot) as `Decimal.fromUnits` prints them, in doubles while `units × mantissa` is a safe
 * integer (always, for prices in ticks): its BigInt was half of turning a million-bar run's trades into rows.
 */
export const incrementUnits = (inc: Decimal.Increment): ((units: number) => string) => {
  const mantissa = Number(inc.mantissa)
  if (!Number.isSafeInteger(mantissa)) return (units) => Decimal.fromUnits(units, inc)
  const text = minorUnits(inc.scale)
  return (units) => {
    const scaled = units * mantissa
    return Number.isSafeInteger(scaled) ? text(scaled) : Decimal.fromUnits(units, inc)
  }
}
