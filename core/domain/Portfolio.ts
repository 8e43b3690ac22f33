/**
 * Positions and cash balances of an account.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, CurrencyCode, InstrumentId } from "./Ids"
import { Lots, Minor, Timestamp } from "./Units"

/** A netted position: one per account and instrument. */
export const Position = Schema.Struct({
  accountId: AccountId,
  instrumentId: InstrumentId,
  /** Signed lots: positive long, negative short, zero flat. */
  quantity: Lots,
  /** Σ price × signed lots of the open lots, in tick-lots; average price = openCost / quantity. */
  openCost: Lots,
  /** Realized PnL in minor units of the quote currency, before fees. */
  realizedPnl: Minor,
  /** Fees paid on this position's fills, in minor units of the quote currency. */
  fees: Minor,
  currency: CurrencyCode,
  updatedAt: Timestamp
})
export type Position = typeof Position.Type

/** Cash of one currency in an account. `reserved` is held for open orders; free cash is `total - reserved`. */
export const CashBalance = Schema.Struct({
  accountId: AccountId,
  currency: CurrencyCode,
  total: Minor,
  reserved: Minor.pipe(Schema.nonNegative({ message: () => "reserved must not be negative" })),
  updatedAt: Timestamp
})
export type CashBalance = typeof CashBalance.Type

export const AccountKind = Schema.Literal("cash", "margin")
export type AccountKind = typeof AccountKind.Type

export const Account = Schema.Struct({
  id: AccountId,
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128)),
  kind: AccountKind,
  /** Currency in which equity and PnL are reported; other currencies convert with FX rates from static data. */
  baseCurrency: CurrencyCode
})
export type Account = typeof Account.Type
