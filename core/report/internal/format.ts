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
