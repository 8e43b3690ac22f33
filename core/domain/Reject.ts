/**
 * Why the Accounts Service or a venue refused a command. Every refusal carries one of these codes.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

export const RejectReason = Schema.Literal(
  // validation
  "UNKNOWN_ACCOUNT",
  "UNKNOWN_INSTRUMENT",
  "UNKNOWN_ORDER",
  "DUPLICATE_CLIENT_ORDER_ID",
  "INVALID_QUANTITY",
  "INVALID_PRICE",
  "ORDER_NOT_OPEN",
  "REDUCE_ONLY",
  "POST_ONLY_WOULD_TAKE",
  "MARKET_CLOSED",
  // pre-trade risk
  "MAX_ORDER_QUANTITY",
  "MAX_NOTIONAL",
  "POSITION_LIMIT",
  "MAX_OPEN_ORDERS",
  "PRICE_BAND",
  "BUYING_POWER",
  "ORDER_RATE",
  "KILL_SWITCH",
  "EXPOSURE_LIMIT",
  "INSUFFICIENT_FUNDS",
  "PRECISION_LOSS",
  /** A market order before any price of its instrument is known: nothing to value it against. */
  "NO_REFERENCE_PRICE",
  // venue
  "VENUE_REJECTED",
  "NO_LIQUIDITY"
)
export type RejectReason = typeof RejectReason.Type
