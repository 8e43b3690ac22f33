/**
 * Exact integer units. Prices are counted in ticks of the instrument, quantities in lots, money in minor units of
 * its currency, time in microseconds since the Unix epoch. All are safe integers; decimals exist only at the edges
 * (see `Decimal`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const safeInt = (name: string) =>
  Schema.Number.pipe(
    Schema.filter(
      (n) =>
        !Number.isInteger(n)
          ? `${name} must be an integer`
          : Number.isSafeInteger(n) || `${name} must be a safe integer (|n| <= 2^53 - 1)`,
      { arbitrary: () => (fc) => fc.maxSafeInteger(), jsonSchema: { type: "integer" } }
    )
  )

/** A price in ticks of the instrument's tick size. May be negative (spreads, some futures). */
export const Ticks = safeInt("price").pipe(Schema.brand("Ticks"))
export type Ticks = typeof Ticks.Type

/** A strictly positive distance in ticks (a trailing offset). */
export const PositiveTicks = Ticks.pipe(Schema.positive({ message: () => "offset must be positive" }))

/** A distance in ticks that may be zero (a trailing-stop-limit's limit offset). */
export const NonNegativeTicks = Ticks.pipe(Schema.nonNegative({ message: () => "offset must not be negative" }))

/** A signed quantity in lots (a position: positive long, negative short). */
export const Lots = safeInt("quantity").pipe(Schema.brand("Lots"))
export type Lots = typeof Lots.Type

/** A strictly positive quantity in lots (an order or a fill). */
export const PositiveLots = Lots.pipe(Schema.positive({ message: () => "quantity must be positive" }))

/** A non-negative quantity in lots (a book level or a bar's volume; zero removes a level). */
export const NonNegativeLots = Lots.pipe(Schema.nonNegative({ message: () => "quantity must not be negative" }))

/** Money in minor units of its currency (cents for USD, satoshis for BTC with 8 decimals). */
export const Minor = safeInt("amount").pipe(Schema.brand("Minor"))
export type Minor = typeof Minor.Type

/** A strictly positive amount of money (a deposit, a withdrawal). */
export const PositiveMinor = Minor.pipe(Schema.positive({ message: () => "amount must be positive" }))

/** Microseconds since the Unix epoch. Safe as a double until the year 2255. */
export const Timestamp = safeInt("timestamp").pipe(
  Schema.nonNegative({ message: () => "timestamp must not be negative" }),
  Schema.brand("Timestamp")
)
export type Timestamp = typeof Timestamp.Type

/** A monotonically increasing sequence number of an event stream, starting at 1. */
export const Sequence = safeInt("sequence").pipe(
  Schema.positive({ message: () => "sequence must be positive" }),
  Schema.brand("Sequence")
)
export type Sequence = typeof Sequence.Type

/** Basis points (1/100 of a percent) as an integer, for rates such as margins and fees. */
export const BasisPoints = safeInt("basis points").pipe(Schema.nonNegative(), Schema.brand("BasisPoints"))
export type BasisPoints = typeof BasisPoints.Type

export const ticks = (n: number): Ticks => n as Ticks
export const lots = (n: number): Lots => n as Lots
export const minor = (n: number): Minor => n as Minor
export const timestamp = (n: number): Timestamp => n as Timestamp

export const MICROS_PER_MILLI = 1_000
export const MICROS_PER_SECOND = 1_000_000
export const MICROS_PER_DAY = 86_400_000_000

/** Microseconds since the epoch of a `Date` or an ISO-8601 string. */
export const timestampFromDate = (date: Date): Timestamp => timestamp(date.getTime() * MICROS_PER_MILLI)

/** ISO-8601 rendering with microsecond precision, e.g. `2024-01-02T14:30:00.000001Z`. */
export const formatTimestamp = (ts: Timestamp): string => {
  const millis = Math.floor(ts / MICROS_PER_MILLI)
  const micros = ts - millis * MICROS_PER_MILLI
  const iso = new Date(millis).toISOString()
  return micros === 0 ? iso : `${iso.slice(0, -1)}${String(micros).padStart(3, "0")}Z`
}
