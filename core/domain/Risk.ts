/**
 * Pre-trade risk limits. Each is optional: an absent limit is not checked. Limits apply at a scope — the whole
 * firm, an account, an account's instrument, or a strategy — and an order must pass every scope it falls in.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, InstrumentId, StrategyId } from "./Ids"
import { BasisPoints, Minor, PositiveLots } from "./Units"

const PositiveInt = Schema.Int.pipe(Schema.positive())
const NonNegativeMinor = Minor.pipe(Schema.nonNegative({ message: () => "limit must not be negative" }))

export const RiskLimits = Schema.Struct({
  /** Largest quantity of one order, in lots. */
  maxOrderQuantity: Schema.optionalWith(PositiveLots, { exact: true }),
  /** Largest notional of one order, in minor units of the account's base currency. */
  maxOrderNotional: Schema.optionalWith(NonNegativeMinor, { exact: true }),
  /** Largest absolute position in lots, counting working and pending orders on the same side. */
  maxPosition: Schema.optionalWith(PositiveLots, { exact: true }),
  /** Most orders working or pending at once. */
  maxOpenOrders: Schema.optionalWith(PositiveInt, { exact: true }),
  /** Farthest a limit or stop price may be from the last price, in basis points of the last price. */
  priceBand: Schema.optionalWith(BasisPoints, { exact: true }),
  /** Most orders submitted within `orderRateWindow` microseconds. */
  maxOrdersPerWindow: Schema.optionalWith(PositiveInt, { exact: true }),
  orderRateWindow: Schema.optionalWith(PositiveInt, { exact: true }),
  /** Loss since the start of the UTC day (realized + unrealized, base currency minor units) that trips the kill switch. */
  dailyLossLimit: Schema.optionalWith(NonNegativeMinor, { exact: true }),
  /** Largest Σ |position value| plus working orders' notional, base currency minor units. */
  maxGrossExposure: Schema.optionalWith(NonNegativeMinor, { exact: true }),
  /** Largest |Σ signed position value| plus working orders' notional, base currency minor units. */
  maxNetExposure: Schema.optionalWith(NonNegativeMinor, { exact: true })
})
export type RiskLimits = typeof RiskLimits.Type

export const RiskScope = Schema.Union(
  Schema.TaggedStruct("Firm", {}),
  Schema.TaggedStruct("Account", { accountId: AccountId }),
  Schema.TaggedStruct("AccountInstrument", { accountId: AccountId, instrumentId: InstrumentId }),
  Schema.TaggedStruct("Strategy", { strategyId: StrategyId })
)
export type RiskScope = typeof RiskScope.Type
