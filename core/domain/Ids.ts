/**
 * Identifiers of the domain. Each is a branded string so that an `OrderId` can never be passed where an
 * `AccountId` is expected.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const token = (name: string, pattern: RegExp, description: string) =>
  Schema.String.pipe(Schema.pattern(pattern, { message: () => `${name} must be ${description}` }), Schema.brand(name))

const simpleId = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/
const simpleDescription = "1-64 characters of letters, digits and . _ : / - starting with a letter or digit"

/** A trading venue (exchange, broker, simulated venue), e.g. `XNAS`, `BINANCE`, `SIM`. */
export const VenueId = token("VenueId", /^[A-Z0-9][A-Z0-9_-]{0,31}$/, "1-32 upper-case letters, digits, _ or -")
export type VenueId = typeof VenueId.Type

/** An instrument, written `SYMBOL.VENUE` (e.g. `AAPL.XNAS`, `BTC-USDT.BINANCE`, `ESZ6.XCME`). */
export const InstrumentId = token(
  "InstrumentId",
  /^[A-Za-z0-9][A-Za-z0-9_/^-]{0,47}\.[A-Z0-9][A-Z0-9_-]{0,31}$/,
  "SYMBOL.VENUE, e.g. AAPL.XNAS"
)
export type InstrumentId = typeof InstrumentId.Type

/** An ISO 4217 currency or a crypto asset code, e.g. `USD`, `JPY`, `BTC`, `USDT`. */
export const CurrencyCode = token("CurrencyCode", /^[A-Z0-9]{2,12}$/, "2-12 upper-case letters or digits")
export type CurrencyCode = typeof CurrencyCode.Type

export const AccountId = token("AccountId", simpleId, simpleDescription)
export type AccountId = typeof AccountId.Type

export const StrategyId = token("StrategyId", simpleId, simpleDescription)
export type StrategyId = typeof StrategyId.Type

/** The id the Accounts Service gives an order; authoritative across the platform. */
export const OrderId = token("OrderId", simpleId, simpleDescription)
export type OrderId = typeof OrderId.Type

/** The id a strategy or client chooses for its order; unique per account, used for idempotent submission. */
export const ClientOrderId = token("ClientOrderId", simpleId, simpleDescription)
export type ClientOrderId = typeof ClientOrderId.Type

/** The id a venue gives an order or a trade. Venues use free-form ids, so only length is checked. */
export const VenueOrderId = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128), Schema.brand("VenueOrderId"))
export type VenueOrderId = typeof VenueOrderId.Type

export const TradeId = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128), Schema.brand("TradeId"))
export type TradeId = typeof TradeId.Type

/** Split an instrument id into its symbol and venue. */
export const splitInstrumentId = (id: InstrumentId): { readonly symbol: string; readonly venue: VenueId } => {
  const dot = id.lastIndexOf(".")
  return { symbol: id.slice(0, dot), venue: id.slice(dot + 1) as VenueId }
}
