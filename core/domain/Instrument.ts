/**
 * Instruments: what can be traded, on which venue, in which units, and when.
 *
 * @since 0.1.0
 */
import { Arbitrary, Either, Schema } from "effect"
import * as Decimal from "./Decimal"
import { CurrencyCode, InstrumentId, VenueId } from "./Ids"
import { BasisPoints, PositiveLots, Timestamp } from "./Units"

export const AssetClass = Schema.Literal("equity", "etf", "future", "option", "fx", "crypto", "index", "bond", "cfd")
export type AssetClass = typeof AssetClass.Type

/** A positive decimal string such as `"0.01"`, used for tick size, lot size and multiplier. */
export const PositiveDecimal = Schema.String.pipe(
  Schema.filter((text) => Either.match(Decimal.increment(text), { onLeft: (e) => e.message, onRight: () => true }))
)

export const Weekday = Schema.Literal("mon", "tue", "wed", "thu", "fri", "sat", "sun")
export type Weekday = typeof Weekday.Type

const ClockTime = Schema.String.pipe(
  Schema.pattern(/^([01]\d|2[0-3]):[0-5]\d$/, { message: () => "time must be HH:MM (24-hour)" })
)

/**
 * A recurring trading session in the instrument's time zone. A session whose `close` is not after its `open`
 * runs overnight into the next day (a futures session 18:00–17:00 opens on `days` and closes the day after).
 */
export const TradingSession = Schema.Struct({
  days: Schema.NonEmptyArray(Weekday),
  open: ClockTime,
  close: ClockTime
})
export type TradingSession = typeof TradingSession.Type

export const Margin = Schema.Struct({
  /** Initial margin as basis points of notional (500 = 5%). */
  initial: BasisPoints,
  /** Maintenance margin as basis points of notional. */
  maintenance: BasisPoints
})
export type Margin = typeof Margin.Type

const InstrumentFields = Schema.Struct({
  id: InstrumentId,
  venue: VenueId,
  symbol: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9_/^-]{0,47}$/, {
      message: () => "symbol must be 1-48 letters, digits or _ / ^ - starting with a letter or digit"
    })
  ),
  assetClass: AssetClass,
  quoteCurrency: CurrencyCode,
  /** The traded asset for FX and crypto pairs (`BTC` of `BTC-USDT`). */
  baseCurrency: Schema.optionalWith(CurrencyCode, { exact: true }),
  tickSize: PositiveDecimal,
  lotSize: PositiveDecimal,
  /** Contract multiplier: value of one unit of price per unit of quantity (50 for an E-mini S&P future). */
  multiplier: PositiveDecimal,
  minQuantity: Schema.optionalWith(PositiveLots, { exact: true }),
  maxQuantity: Schema.optionalWith(PositiveLots, { exact: true }),
  /** Present when the instrument trades on margin; absent means fully funded by cash. */
  margin: Schema.optionalWith(Margin, { exact: true }),
  /** IANA time zone of the sessions, e.g. `America/New_York`. */
  timezone: Schema.String.pipe(Schema.minLength(1)),
  /** Empty for instruments that trade around the clock. */
  sessions: Schema.Array(TradingSession),
  /** Holiday calendar id in static data. */
  calendar: Schema.optionalWith(Schema.String, { exact: true }),
  expiry: Schema.optionalWith(Timestamp, { exact: true })
})

export const Instrument = InstrumentFields.pipe(
  Schema.filter(
    (i) => (i.id === `${i.symbol}.${i.venue}` ? true : { path: ["id"], message: `id must be ${i.symbol}.${i.venue}` }),
    {
      arbitrary: () => () =>
        Arbitrary.make(InstrumentFields).map((i) => ({ ...i, id: InstrumentId.make(`${i.symbol}.${i.venue}`) }))
    }
  )
)
export type Instrument = typeof Instrument.Type

/** The instrument's increments, parsed once. */
export interface Increments {
  readonly tick: Decimal.Increment
  readonly lot: Decimal.Increment
}

export const increments = (instrument: Instrument): Increments => ({
  tick: Either.getOrThrow(Decimal.increment(instrument.tickSize)),
  lot: Either.getOrThrow(Decimal.increment(instrument.lotSize))
})

/**
 * Value of one tick times one lot in minor units of the quote currency, as the exact fraction `num / den`:
 * tickSize × lotSize × multiplier × 10^decimals. Money of a trade is `ticks × lots × num / den`.
 */
export const valuePerTickLot = (
  instrument: Instrument,
  currencyDecimals: number
): { readonly num: number; readonly den: number } => {
  const parts = [instrument.tickSize, instrument.lotSize, instrument.multiplier].map((text) =>
    Either.getOrThrow(Decimal.increment(text))
  )
  let num = 10n ** BigInt(currencyDecimals)
  let den = 1n
  for (const part of parts) {
    num *= part.mantissa
    den *= 10n ** BigInt(part.scale)
  }
  const divisor = gcd(num, den)
  const reducedNum = Number(num / divisor)
  const reducedDen = Number(den / divisor)
  if (!Number.isSafeInteger(reducedNum) || !Number.isSafeInteger(reducedDen)) {
    throw new RangeError(`value per tick of ${instrument.id} is not representable`)
  }
  return { num: reducedNum, den: reducedDen }
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b))
