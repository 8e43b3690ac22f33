/**
 * Commands to the Accounts Service. Each accepted command is written to the WAL before it is acknowledged.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Liquidity } from "./Fill"
import { AccountId, ClientOrderId, CurrencyCode, OrderId, TradeId, VenueOrderId } from "./Ids"
import { OrderRequest } from "./Order"
import { Minor, PositiveLots, PositiveMinor, Ticks, Timestamp } from "./Units"

export const SubmitOrder = Schema.TaggedStruct("SubmitOrder", { request: OrderRequest, ts: Timestamp })
export type SubmitOrder = typeof SubmitOrder.Type

export const CancelOrder = Schema.TaggedStruct("CancelOrder", {
  accountId: AccountId,
  clientOrderId: ClientOrderId,
  ts: Timestamp
})
export type CancelOrder = typeof CancelOrder.Type

/** Amend a working order's quantity or prices; the fields left out keep their values. */
export const ReplaceOrder = Schema.TaggedStruct("ReplaceOrder", {
  accountId: AccountId,
  clientOrderId: ClientOrderId,
  quantity: Schema.optionalWith(PositiveLots, { exact: true }),
  limitPrice: Schema.optionalWith(Ticks, { exact: true }),
  stopPrice: Schema.optionalWith(Ticks, { exact: true }),
  ts: Timestamp
}).pipe(
  Schema.filter((r) =>
    r.quantity !== undefined || r.limitPrice !== undefined || r.stopPrice !== undefined
      ? true
      : { path: ["quantity"], message: "a replace must change quantity, limitPrice or stopPrice" }
  )
)
export type ReplaceOrder = typeof ReplaceOrder.Type

const cashFields = {
  accountId: AccountId,
  currency: CurrencyCode,
  amount: PositiveMinor,
  reference: Schema.String.pipe(Schema.maxLength(256)),
  ts: Timestamp
}

export const Deposit = Schema.TaggedStruct("Deposit", cashFields)
export type Deposit = typeof Deposit.Type

export const Withdraw = Schema.TaggedStruct("Withdraw", cashFields)
export type Withdraw = typeof Withdraw.Type

const reportFields = { accountId: AccountId, orderId: OrderId, ts: Timestamp }

/** What a venue connector reports back about an order, translated from the venue's protocol. */
export const ExecutionReport = Schema.Union(
  Schema.TaggedStruct("VenueAccepted", { ...reportFields, venueOrderId: VenueOrderId }),
  Schema.TaggedStruct("VenueRejected", { ...reportFields, message: Schema.String }),
  Schema.TaggedStruct("VenueFilled", {
    ...reportFields,
    tradeId: TradeId,
    quantity: PositiveLots,
    price: Ticks,
    fee: Minor,
    feeCurrency: CurrencyCode,
    liquidity: Liquidity
  }),
  Schema.TaggedStruct("VenueCanceled", reportFields),
  Schema.TaggedStruct("VenueExpired", reportFields),
  Schema.TaggedStruct("VenueReplaced", {
    ...reportFields,
    quantity: PositiveLots,
    limitPrice: Schema.optionalWith(Ticks, { exact: true }),
    stopPrice: Schema.optionalWith(Ticks, { exact: true })
  })
)
export type ExecutionReport = typeof ExecutionReport.Type

export const AccountCommand = Schema.Union(
  SubmitOrder,
  CancelOrder,
  ReplaceOrder,
  Deposit,
  Withdraw,
  ...ExecutionReport.members
)
export type AccountCommand = typeof AccountCommand.Type

/** A refusal names the command it answers by the same client order id or reference. */
export const clientOrderIdOf = (command: SubmitOrder | CancelOrder | ReplaceOrder): ClientOrderId =>
  command._tag === "SubmitOrder" ? command.request.clientOrderId : command.clientOrderId
