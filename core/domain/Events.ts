/**
 * Events the Accounts Service emits. Each carries the account's stream `sequence`, so a consumer that reconnects
 * names the last sequence it saw and is replayed the rest.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Fill } from "./Fill"
import { AccountId, ClientOrderId, CurrencyCode, OrderId, VenueOrderId } from "./Ids"
import { Order, OrderStatus } from "./Order"
import { CashBalance, Position } from "./Portfolio"
import { RejectReason } from "./Reject"
import { RiskLimits, RiskScope } from "./Risk"
import { Minor, NonNegativeLots, PositiveLots, Sequence, Ticks, Timestamp } from "./Units"

const header = { sequence: Sequence, ts: Timestamp, accountId: AccountId }

/** The order passed validation and risk and is on its way to the venue. */
export const OrderSubmitted = Schema.TaggedStruct("OrderSubmitted", { ...header, order: Order })

export const OrderAccepted = Schema.TaggedStruct("OrderAccepted", {
  ...header,
  orderId: OrderId,
  venueOrderId: VenueOrderId
})

/** The order was refused, by the Accounts Service (no `orderId` yet) or by the venue. */
export const OrderRejected = Schema.TaggedStruct("OrderRejected", {
  ...header,
  clientOrderId: ClientOrderId,
  orderId: Schema.optionalWith(OrderId, { exact: true }),
  reason: RejectReason,
  message: Schema.String
})

/** A cancel or replace was refused; the order is unchanged. */
export const OrderModifyRejected = Schema.TaggedStruct("OrderModifyRejected", {
  ...header,
  clientOrderId: ClientOrderId,
  reason: RejectReason,
  message: Schema.String
})

export const OrderReplaced = Schema.TaggedStruct("OrderReplaced", {
  ...header,
  orderId: OrderId,
  quantity: PositiveLots,
  limitPrice: Schema.optionalWith(Ticks, { exact: true }),
  stopPrice: Schema.optionalWith(Ticks, { exact: true })
})

export const OrderCanceled = Schema.TaggedStruct("OrderCanceled", { ...header, orderId: OrderId })

export const OrderExpired = Schema.TaggedStruct("OrderExpired", { ...header, orderId: OrderId })

export const OrderFilled = Schema.TaggedStruct("OrderFilled", {
  ...header,
  fill: Fill,
  status: OrderStatus,
  leavesQuantity: NonNegativeLots
})

export const PositionChanged = Schema.TaggedStruct("PositionChanged", { ...header, position: Position })

export const CashReason = Schema.Literal("deposit", "withdrawal", "fee", "trade", "realized-pnl", "margin")

export const CashChanged = Schema.TaggedStruct("CashChanged", {
  ...header,
  currency: CurrencyCode,
  /** Signed change of the total, in minor units. */
  amount: Minor,
  reason: CashReason,
  balance: CashBalance
})

export const RiskLimitsChanged = Schema.TaggedStruct("RiskLimitsChanged", {
  ...header,
  scope: RiskScope,
  limits: RiskLimits
})

/** The daily-loss kill switch tripped (`active`) or was reset; while active only reducing orders pass. */
export const KillSwitchChanged = Schema.TaggedStruct("KillSwitchChanged", {
  ...header,
  active: Schema.Boolean,
  reason: Schema.String
})

export const AccountEvent = Schema.Union(
  OrderSubmitted,
  OrderAccepted,
  OrderRejected,
  OrderModifyRejected,
  OrderReplaced,
  OrderCanceled,
  OrderExpired,
  OrderFilled,
  PositionChanged,
  CashChanged,
  RiskLimitsChanged,
  KillSwitchChanged
)
export type AccountEvent = typeof AccountEvent.Type
