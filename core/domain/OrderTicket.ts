/**
 * The decimal edge of an order: quantities and prices as decimal strings, as a person or a venue writes them
 * (`"100.25"`, `"0.5"`). Decoding against an instrument yields an exact `OrderRequest`; a price off the tick grid
 * or a quantity off the lot grid fails on its own field.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { UnitsFromDecimal } from "./Decimal"
import { type Instrument, increments } from "./Instrument"
import { OrderRequest, OrderSide, OrderType, TimeInForce } from "./Order"

export const OrderTicket = (instrument: Instrument) => {
  const { tick, lot } = increments(instrument)
  const price = UnitsFromDecimal(tick)
  const quantity = UnitsFromDecimal(lot)
  const ticket = Schema.Struct({
    clientOrderId: Schema.String,
    accountId: Schema.String,
    strategyId: Schema.optionalWith(Schema.String, { exact: true }),
    instrumentId: Schema.Literal(instrument.id),
    side: OrderSide,
    type: OrderType,
    quantity,
    limitPrice: Schema.optionalWith(price, { exact: true }),
    /** The trigger price of a stop, stop-limit, market- or limit-if-touched order. */
    stopPrice: Schema.optionalWith(price, { exact: true }),
    /** Offsets are prices too: `"0.05"` is five ticks of a cent. */
    trailingOffset: Schema.optionalWith(price, { exact: true }),
    limitOffset: Schema.optionalWith(price, { exact: true }),
    timeInForce: TimeInForce,
    expireAt: Schema.optionalWith(Schema.Number, { exact: true }),
    reduceOnly: Schema.optionalWith(Schema.Boolean, { default: () => false }),
    postOnly: Schema.optionalWith(Schema.Boolean, { default: () => false }),
    displayQuantity: Schema.optionalWith(quantity, { exact: true })
  })
  return Schema.compose(ticket, OrderRequest)
}
