/** Venue decimal strings ↔ our integer units, exactly (never through floating point arithmetic). */

import * as Decimal from "@meridian/core/domain/Decimal"
import { Either } from "effect"

/** `"0.01000000"` → `"0.01"`, `"1.00000000"` → `"1"`: the venue pads its increments to eight decimals. */
export const trimDecimal = (text: string): string =>
  text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text

/** Units of `inc` in a venue decimal string or a ccxt number (whose shortest decimal is the venue's string). */
export const toUnits = (
  value: string | number,
  inc: Decimal.Increment,
  rounding: Decimal.Rounding = "exact"
): Either.Either<number, Decimal.DecimalError> =>
  Either.flatMap(typeof value === "number" ? Decimal.fromNumber(value) : Either.right(value), (text) =>
    Decimal.toUnits(text, inc, rounding)
  )

export const fromUnits = Decimal.fromUnits

const DECIMAL = /^(\d+)(?:\.(\d+))?$/

/** The exact product of two non-negative venue decimal strings (`"0.001" × "42000.01"` = `"42.00001000"`). */
export const multiply = (a: string, b: string): Either.Either<string, Decimal.DecimalError> => {
  const x = DECIMAL.exec(a)
  const y = DECIMAL.exec(b)
  if (x === null || y === null) {
    return Either.left(
      new Decimal.DecimalError({ reason: "Syntax", message: `"${x === null ? a : b}" is not a decimal number` })
    )
  }
  const scale = (x[2] ?? "").length + (y[2] ?? "").length
  const digits = (BigInt(x[1]! + (x[2] ?? "")) * BigInt(y[1]! + (y[2] ?? ""))).toString().padStart(scale + 1, "0")
  return Either.right(scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`)
}
