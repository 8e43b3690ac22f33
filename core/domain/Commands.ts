/**
 * Commands to the Accounts Service. Each accepted command is written to the WAL before it is acknowledged.
 *
 * @since 0.1.0
 */
import { Arbitrary, type FastCheck, Schema } from "effect"
import { Liquidity } from "./Fill"
import { AccountId, ClientOrderId, CurrencyCode, InstrumentId, OrderId, TradeId, VenueOrderId } from "./Ids"
import { Order, OrderRequest } from "./Order"
import { RiskLimits, RiskScope } from "./Risk"
import { Minor, PositiveLots, PositiveMinor, Ticks, Timestamp } from "./Units"

export const SubmitOrder = Schema.TaggedStruct("SubmitOrder", { request: OrderRequest, ts: Timestamp })
export type SubmitOrder = typeof SubmitOrder.Type

/**
 * Several orders tied together. `OCO`: all work at once; a fill of one reduces the others by the filled quantity
 * and a cancel, expiry or reject of one cancels the others. `OTO`: the first is the parent, the rest are held until
 * it fills. `bracket`: `[entry, stopLoss, takeProfit]`, the exits held until the entry fills and then tied as an OCO.
 */
const listArbitrary = (fc: typeof FastCheck) =>
  fc
    .record({
      listId: fc.stringMatching(/^[a-z0-9]{1,16}$/),
      contingency: fc.constantFrom("OCO" as const, "OTO" as const, "bracket" as const),
      orders: fc.array(Arbitrary.make(OrderRequest), { minLength: 3, maxLength: 3 }),
      ts: Arbitrary.make(Timestamp)
    })
    .map(({ orders: [first, ...rest], ...list }) => ({
      _tag: "SubmitOrderList" as const,
      ...list,
      orders: [
        first!,
        ...rest.map((o) => ({ ...o, accountId: first!.accountId, instrumentId: first!.instrumentId }))
      ] as const
    }))

export const SubmitOrderList = Schema.TaggedStruct("SubmitOrderList", {
  listId: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64)),
  contingency: Schema.Literal("OCO", "OTO", "bracket"),
  orders: Schema.NonEmptyArray(OrderRequest),
  ts: Timestamp
}).pipe(
  Schema.filter(
    (list) => {
      const issues: Array<Schema.FilterIssue> = []
      if (list.contingency === "bracket" && list.orders.length !== 3) {
        issues.push({ path: ["orders"], message: "a bracket is [entry, stopLoss, takeProfit]" })
      }
      if (list.contingency !== "bracket" && list.orders.length < 2) {
        issues.push({ path: ["orders"], message: `an ${list.contingency} list needs at least two orders` })
      }
      const first = list.orders[0]
      list.orders.forEach((order, i) => {
        if (order.accountId !== first.accountId || order.instrumentId !== first.instrumentId) {
          issues.push({ path: ["orders", i], message: "orders of a list share the account and the instrument" })
        }
      })
      return issues
    },
    { arbitrary: () => (fc) => listArbitrary(fc) }
  )
)
export type SubmitOrderList = typeof SubmitOrderList.Type

export const CancelOrder = Schema.TaggedStruct("CancelOrder", {
  accountId: AccountId,
  clientOrderId: ClientOrderId,
  ts: Timestamp
})
export type CancelOrder = typeof CancelOrder.Type

/**
 * Amend a working order's quantity or prices; the fields left out keep their values. `stopPrice` is the trigger price
 * (stop, stop-limit, market- and limit-if-touched); `limitPrice` the limit of the types that have one, and of a
 * market-to-limit order once its first fill set it.
 */
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

export const SetRiskLimits = Schema.TaggedStruct("SetRiskLimits", {
  scope: RiskScope,
  limits: RiskLimits,
  ts: Timestamp
})
export type SetRiskLimits = typeof SetRiskLimits.Type

/**
 * The operator's kill switch of the firm or of one account: while `halted`, no order that adds to what is working
 * passes (reducing ones neither), and halting cancels every open order of the scope. Only an explicit
 * `halted: false` resumes trading; the daily-loss switch, which resets each UTC day, is separate.
 */
export const SetTradingHalt = Schema.TaggedStruct("SetTradingHalt", {
  scope: Schema.Union(RiskScope.members[0], RiskScope.members[1]),
  halted: Schema.Boolean,
  reason: Schema.String.pipe(Schema.maxLength(256)),
  ts: Timestamp
})
export type SetTradingHalt = typeof SetTradingHalt.Type

export const AccountCommand = Schema.Union(
  SubmitOrder,
  SubmitOrderList,
  CancelOrder,
  ReplaceOrder,
  Deposit,
  Withdraw,
  SetRiskLimits,
  SetTradingHalt,
  ...ExecutionReport.members
)
export type AccountCommand = typeof AccountCommand.Type

const venueHeader = { accountId: AccountId, orderId: OrderId, instrumentId: InstrumentId, ts: Timestamp }

/** What the Accounts Service asks of a venue connector once an order or a change passed its checks. */
export const ExecutionCommand = Schema.Union(
  Schema.TaggedStruct("VenueSubmit", {
    order: Order,
    /**
     * Orders of one group are one-cancels-other at the venue: a fill of one reduces the others by the filled
     * quantity (cancel at zero) in the same event, before any other order of the group can fill.
     */
    ocoGroup: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64)), { exact: true }),
    ts: Timestamp
  }),
  Schema.TaggedStruct("VenueCancel", venueHeader),
  Schema.TaggedStruct("VenueReplace", {
    ...venueHeader,
    quantity: PositiveLots,
    limitPrice: Schema.optionalWith(Ticks, { exact: true }),
    stopPrice: Schema.optionalWith(Ticks, { exact: true })
  })
)
export type ExecutionCommand = typeof ExecutionCommand.Type

/** A refusal names the command it answers by the same client order id or reference. */
export const clientOrderIdOf = (command: SubmitOrder | CancelOrder | ReplaceOrder): ClientOrderId =>
  command._tag === "SubmitOrder" ? command.request.clientOrderId : command.clientOrderId
