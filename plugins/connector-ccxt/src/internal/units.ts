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
