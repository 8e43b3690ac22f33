/**
 * Fills: one execution of (part of) an order at one price.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, ClientOrderId, CurrencyCode, InstrumentId, OrderId, TradeId } from "./Ids"
import { OrderSide } from "./Order"
import { Minor, PositiveLots, Ticks, Timestamp } from "./Units"

/** Whether the fill added liquidity (a resting order) or took it. */
export const Liquidity = Schema.Literal("maker", "taker")
export type Liquidity = typeof Liquidity.Type

export const Fill = Schema.Struct({
  tradeId: TradeId,
  orderId: OrderId,
  clientOrderId: ClientOrderId,
  accountId: AccountId,
  instrumentId: InstrumentId,
  side: OrderSide,
  quantity: PositiveLots,
  price: Ticks,
  /** Fee charged, in minor units of `feeCurrency`; negative for a rebate. */
  fee: Minor,
  feeCurrency: CurrencyCode,
  liquidity: Liquidity,
  ts: Timestamp
})
export type Fill = typeof Fill.Type
