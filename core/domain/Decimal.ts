/**
 * Exact conversions between decimal strings and integer units. A value is a whole number of increments
 * (`"0.1"` of a `0.01`-tick instrument is 10 ticks); anything else is refused or rounded by an explicit rule,
 * never by floating point.
 *
 * @since 0.1.0
 */
import { Data, Either, ParseResult, Schema } from "effect"

/** Why a decimal could not become units. */
export class DecimalError extends Data.TaggedError("DecimalError")<{
  readonly reason: "Syntax" | "OffGrid" | "Overflow" | "Increment"
  readonly message: string
}> {}

/** How to treat a value between two increments. `exact` refuses it. */
export type Rounding = "exact" | "half-even" | "half-up" | "floor" | "ceil"

interface Parsed {
  readonly mantissa: bigint
  readonly scale: number
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

const parse = (text: string): Either.Either<Parsed, DecimalError> => {
  const match = DECIMAL.exec(text)
  if (match === null || text.length > 64) {
    return Either.left(new DecimalError({ reason: "Syntax", message: `"${text}" is not a decimal number` }))
  }
  const fraction = match[3] ?? ""
  const digits = BigInt((match[2] ?? "") + fraction)
  return Either.right({ mantissa: match[1] === "-" ? -digits : digits, scale: fraction.length })
}

const pow10 = (n: number): bigint => 10n ** BigInt(n)

const divideRounded = (num: bigint, den: bigint, rounding: Rounding): bigint | undefined => {
  // den > 0 here; BigInt division truncates toward zero.
  const q = num / den
  const r = num - q * den
  if (r === 0n) return q
  const floor = num < 0n ? q - 1n : q
  switch (rounding) {
    case "exact":
      return undefined
    case "floor":
      return floor
    case "ceil":
      return floor + 1n
    case "half-up":
    case "half-even": {
      const twice = 2n * (num - floor * den)
      if (twice < den) return floor
      if (twice > den) return floor + 1n
      if (rounding === "half-up") return num < 0n ? floor : floor + 1n
      return floor % 2n === 0n ? floor : floor + 1n
    }
  }
}

/** A positive decimal increment (tick size, lot size, currency minor unit), parsed once for repeated use. */
export interface Increment {
  readonly text: string
  readonly mantissa: bigint
  readonly scale: number
}

export const increment = (text: string): Either.Either<Increment, DecimalError> =>
  Either.flatMap(parse(text), ({ mantissa, scale }) =>
    mantissa > 0n
      ? Either.right({ text, mantissa, scale })
      : Either.left(new DecimalError({ reason: "Increment", message: `increment "${text}" must be positive` }))
  )

/** The increment of a currency with `decimals` minor digits: 2 gives `0.01`. */
export const minorIncrement = (decimals: number): Increment => ({
  text: decimals === 0 ? "1" : `0.${"0".repeat(decimals - 1)}1`,
  mantissa: 1n,
  scale: decimals
})

const asIncrement = (inc: Increment | string): Either.Either<Increment, DecimalError> =>
  typeof inc === "string" ? increment(inc) : Either.right(inc)

/** The number of increments in `value`; fails if it is off the grid (with `exact`) or not a safe integer. */
export const toUnits = (
  value: string,
  inc: Increment | string,
  rounding: Rounding = "exact"
): Either.Either<number, DecimalError> =>
  Either.flatMap(Either.all([parse(value), asIncrement(inc)]), ([v, i]) => {
    // value / inc = (v.m / 10^v.s) / (i.m / 10^i.s) = v.m * 10^i.s / (i.m * 10^v.s)
    const num = v.mantissa * pow10(i.scale)
    const den = i.mantissa * pow10(v.scale)
    const units = divideRounded(num, den, rounding)
    if (units === undefined) {
      return Either.left(
        new DecimalError({ reason: "OffGrid", message: `${value} is not a multiple of the increment ${i.text}` })
      )
    }
    if (units > MAX_SAFE || units < -MAX_SAFE) {
      return Either.left(
        new DecimalError({ reason: "Overflow", message: `${value} / ${i.text} exceeds the safe integer range` })
      )
    }
    return Either.right(Number(units))
  })

/** The exact decimal string of `units` increments, with the increment's number of decimals (`10 × 0.01 = "0.10"`). */
export const fromUnits = (units: number, inc: Increment): string => {
  const scaled = BigInt(units) * inc.mantissa
  const negative = scaled < 0n
  const digits = (negative ? -scaled : scaled).toString().padStart(inc.scale + 1, "0")
  const whole = digits.slice(0, digits.length - inc.scale)
  const fraction = digits.slice(digits.length - inc.scale)
  return `${negative ? "-" : ""}${whole}${inc.scale > 0 ? `.${fraction}` : ""}`
}

/** A number's shortest exact decimal string (`0.1` → `"0.1"`, `1e-7` → `"0.0000001"`), for float edges such as CSV. */
export const fromNumber = (n: number): Either.Either<string, DecimalError> => {
  if (!Number.isFinite(n)) {
    return Either.left(new DecimalError({ reason: "Syntax", message: `${n} is not a finite number` }))
  }
  const text = String(n)
  if (!text.includes("e")) return Either.right(text)
  const [coefficient = "", exponentText = "0"] = text.split("e")
  const exponent = Number(exponentText)
  const negative = coefficient.startsWith("-")
  const [whole = "", fraction = ""] = coefficient.replace("-", "").split(".")
  const digits = whole + fraction
  const point = whole.length + exponent
  const body =
    point <= 0
      ? `0.${"0".repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + "0".repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`
  return Either.right(`${negative ? "-" : ""}${body}`)
}

/**
 * A schema from a decimal string to a whole number of `increment`s. Off-grid or malformed input fails with a
 * message that the caller's field path makes precise.
 */
export const UnitsFromDecimal = (inc: Increment, rounding: Rounding = "exact") =>
  Schema.transformOrFail(Schema.String, Schema.Number, {
    strict: true,
    decode: (text, _, ast) =>
      Either.mapLeft(toUnits(text, inc, rounding), (e) => new ParseResult.Type(ast, text, e.message)),
    encode: (units) => ParseResult.succeed(fromUnits(units, inc))
  })
