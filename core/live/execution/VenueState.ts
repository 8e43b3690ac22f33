/**
 * What a venue says it holds, for reconciliation on start (#18): the Execution Service asks its connector for the
 * open orders, the fills since a point and the balances, compares them with what the Accounts Service has, and
 * resolves the differences by rule (the venue wins for fills), reporting every one.
 *
 * A connector answers from the venue itself (FIX: OrderMassStatusRequest, TradeCaptureReportRequest or the
 * drop-copy; ccxt: `fetchOpenOrders`, `fetchMyTrades`, `fetchBalance`), never from its own memory of what it sent:
 * the point is to learn what the connector may have missed while it was down.
 *
 * Orders and fills are named by the platform's ids: the `orderId` the connector sent as the venue's client order
 * id (FIX ClOrdID, ccxt `clientOrderId`) and the `accountId` it maps the venue account to. An open order the
 * platform did not place has no `orderId`; it is reported and left alone.
 *
 * @since 0.1.0
 */
import { Effect, ParseResult, Schema } from "effect"
import { ExecutionReport } from "../../domain/Commands"
import { AccountId, CurrencyCode, InstrumentId, OrderId, VenueOrderId } from "../../domain/Ids"
import { OrderSide } from "../../domain/Order"
import { Minor, NonNegativeLots, PositiveLots, type Timestamp } from "../../domain/Units"

/**
 * The venue could not say (unreachable, refused, or an answer that did not decode). `reason` tells which;
 * `message` names the request and, for `Decode`, the field.
 *
 * @since 0.1.0
 * @category errors
 */
export class VenueStateError extends Schema.TaggedError<VenueStateError>()("VenueStateError", {
  reason: Schema.Literal("Unavailable", "Refused", "Decode"),
  message: Schema.String
}) {}

/**
 * An order working at the venue.
 *
 * @since 0.1.0
 * @category models
 */
export const VenueOpenOrder = Schema.Struct({
  /** The platform's order, when the platform placed it; absent for an order placed outside Meridian. */
  orderId: Schema.optionalWith(OrderId, { exact: true }),
  accountId: Schema.optionalWith(AccountId, { exact: true }),
  instrumentId: InstrumentId,
  venueOrderId: VenueOrderId,
  side: OrderSide,
  /** What is still working. */
  leavesQuantity: PositiveLots,
  /** What the venue has filled of it so far. */
  filledQuantity: NonNegativeLots
})
export type VenueOpenOrder = typeof VenueOpenOrder.Type

/**
 * A fill as the venue reports it: the execution report the connector would have sent live, so that a missing one
 * is applied as it is. Its `tradeId` is the venue's (FIX ExecID, ccxt trade id): the same fill has the same id
 * however often it is reported, which is what lets the Accounts Service book it once.
 *
 * @since 0.1.0
 * @category models
 */
export const VenueFill = ExecutionReport.members[2]
export type VenueFill = typeof VenueFill.Type

/**
 * What the venue holds of one currency (or asset), in its minor units: for `accountId` when the venue account
 * maps to one platform account, else for the venue account as a whole.
 *
 * @since 0.1.0
 * @category models
 */
export const VenueBalance = Schema.Struct({
  accountId: Schema.optionalWith(AccountId, { exact: true }),
  currency: CurrencyCode,
  total: Minor
})
export type VenueBalance = typeof VenueBalance.Type

/**
 * The queries a connector answers for reconciliation. Each is one round trip (or one paged walk) to the venue;
 * answers are decoded at the connector's edge with the schemas above.
 *
 * @since 0.1.0
 * @category models
 */
export interface VenueState {
  /** Every order working at the venue for the accounts this connector trades. */
  readonly openOrders: Effect.Effect<ReadonlyArray<VenueOpenOrder>, VenueStateError>
  /** Every fill whose `ts` (µs) is at or after `since`, oldest first; the venue's retention permitting. */
  readonly fillsSince: (since: Timestamp) => Effect.Effect<ReadonlyArray<VenueFill>, VenueStateError>
  /** What the venue holds, by currency; empty where the venue holds no money (the simulated venue). */
  readonly balances: Effect.Effect<ReadonlyArray<VenueBalance>, VenueStateError>
}

/**
 * Decode what a connector built from the venue's answer as `schema`: a failure is a `Decode` `VenueStateError`
 * naming `what` and every field at fault.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeVenueAnswer =
  <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  (value: unknown): Effect.Effect<A, VenueStateError> =>
    Schema.decodeUnknown(schema)(value, { errors: "all" }).pipe(
      Effect.mapError(
        (e) =>
          new VenueStateError({
            reason: "Decode",
            message: `${what}: ${ParseResult.ArrayFormatter.formatErrorSync(e)
              .map((i) => `${i.path.join(".")}: ${i.message}`)
              .join("; ")}`
          })
      )
    )
