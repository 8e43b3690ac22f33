/**
 * The venue's WebSocket payloads (Binance spot and USD-M futures), decoded with Schema. Only the fields the
 * connector reads are declared: the venue adds fields without notice, and those are ignored rather than refused.
 */
import { Either, ParseResult, Schema } from "effect"

const Level = Schema.Tuple(Schema.String, Schema.String)

/** `<symbol>@depth@100ms`: U first and u last update id of the message; futures add pu (previous message's u). */
export const DepthUpdate = Schema.Struct({
  e: Schema.Literal("depthUpdate"),
  E: Schema.Int,
  s: Schema.String,
  U: Schema.Int,
  u: Schema.Int,
  pu: Schema.optional(Schema.Int),
  b: Schema.Array(Level),
  a: Schema.Array(Level)
})
export type DepthUpdate = typeof DepthUpdate.Type

/** Spot `<symbol>@trade`; m: the buyer was the maker (so the seller aggressed). */
export const TradeMessage = Schema.Struct({
  e: Schema.Literal("trade"),
  E: Schema.Int,
  s: Schema.String,
  t: Schema.Int,
  p: Schema.String,
  q: Schema.String,
  T: Schema.Int,
  m: Schema.Boolean
})

/** Futures `<symbol>@aggTrade`: a is the aggregate trade id. */
export const AggTradeMessage = Schema.Struct({
  e: Schema.Literal("aggTrade"),
  E: Schema.Int,
  s: Schema.String,
  a: Schema.Int,
  p: Schema.String,
  q: Schema.String,
  T: Schema.Int,
  m: Schema.Boolean
})

export const MarketMessage = Schema.Union(DepthUpdate, TradeMessage, AggTradeMessage)
export type MarketMessage = typeof MarketMessage.Type

/** The combined stream's envelope: `{"stream":"btcusdt@depth@100ms","data":{...}}`. */
export const CombinedEnvelope = Schema.Struct({ stream: Schema.String, data: Schema.Unknown })

/** The fields of an order update both venues share, under spot's names. */
export interface OrderUpdate {
  readonly symbol: string
  /** The client order id the update is about (spot: C for a cancel, else c). */
  readonly clientOrderId: string
  readonly orderId: string
  /** NEW, CANCELED, REPLACED, REJECTED, TRADE, EXPIRED, TRADE_PREVENTION, AMENDMENT, CALCULATED. */
  readonly execType: string
  readonly rejectReason: string
  readonly lastQty: string
  readonly lastPrice: string
  readonly commission: string
  readonly commissionAsset: string | null
  readonly tradeId: number
  readonly maker: boolean
  readonly time: number
}

/** Spot `executionReport`. */
const ExecutionReport = Schema.Struct({
  e: Schema.Literal("executionReport"),
  E: Schema.Int,
  s: Schema.String,
  c: Schema.String,
  C: Schema.optional(Schema.NullOr(Schema.String)),
  x: Schema.String,
  r: Schema.String,
  i: Schema.Int,
  l: Schema.String,
  L: Schema.String,
  n: Schema.String,
  N: Schema.NullOr(Schema.String),
  T: Schema.Int,
  t: Schema.Int,
  m: Schema.Boolean
})

/** Futures `ORDER_TRADE_UPDATE`. */
const OrderTradeUpdate = Schema.Struct({
  e: Schema.Literal("ORDER_TRADE_UPDATE"),
  E: Schema.Int,
  T: Schema.Int,
  o: Schema.Struct({
    s: Schema.String,
    c: Schema.String,
    x: Schema.String,
    i: Schema.Int,
    l: Schema.String,
    L: Schema.String,
    n: Schema.optional(Schema.String),
    N: Schema.optional(Schema.String),
    T: Schema.Int,
    t: Schema.Int,
    m: Schema.Boolean
  })
})

/** Spot `outboundAccountPosition`: free and locked of the assets that changed. */
const AccountPosition = Schema.Struct({
  e: Schema.Literal("outboundAccountPosition"),
  E: Schema.Int,
  B: Schema.Array(Schema.Struct({ a: Schema.String, f: Schema.String, l: Schema.String }))
})

/** Futures `ACCOUNT_UPDATE`: wallet balances of the assets that changed. */
const AccountUpdate = Schema.Struct({
  e: Schema.Literal("ACCOUNT_UPDATE"),
  E: Schema.Int,
  a: Schema.Struct({ B: Schema.Array(Schema.Struct({ a: Schema.String, wb: Schema.String, cw: Schema.String })) })
})

const ListenKeyExpired = Schema.Struct({ e: Schema.Literal("listenKeyExpired"), E: Schema.Int })

/** Other documented user data events the connector has no use for (acknowledged, not counted as bad). */
const Ignored = Schema.Struct({
  e: Schema.Literal(
    "balanceUpdate",
    "listStatus",
    "externalLockUpdate",
    "TRADE_LITE",
    "MARGIN_CALL",
    "ACCOUNT_CONFIG_UPDATE",
    "eventStreamTerminated"
  )
})

const UserMessage = Schema.Union(
  ExecutionReport,
  OrderTradeUpdate,
  AccountPosition,
  AccountUpdate,
  ListenKeyExpired,
  Ignored
)

export type UserEvent =
  | { readonly _tag: "Order"; readonly update: OrderUpdate }
  | {
      readonly _tag: "Balances"
      readonly balances: ReadonlyArray<{ readonly asset: string; readonly free: string; readonly locked: string }>
    }
  | { readonly _tag: "ListenKeyExpired" }
  | { readonly _tag: "Ignored" }

/** Why a venue message was refused. */
export type Rejection = { readonly reason: "json" | "schema"; readonly message: string }

const describe = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "message"}: ${i.message}`)
    .join("; ")

export const parseJson = (text: string): Either.Either<unknown, Rejection> => {
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch (e) {
    return Either.left({ reason: "json", message: e instanceof Error ? e.message : String(e) })
  }
}

const decodeMarket = Schema.decodeUnknownEither(MarketMessage, { errors: "first" })
const decodeEnvelope = Schema.decodeUnknownEither(CombinedEnvelope)
const decodeUser = Schema.decodeUnknownEither(UserMessage, { errors: "first" })

/** A combined-stream message (or a bare one) as a market data message. */
export const parseMarket = (text: string): Either.Either<MarketMessage, Rejection> =>
  Either.flatMap(parseJson(text), (json) => {
    const envelope = decodeEnvelope(json)
    const payload = Either.isRight(envelope) ? envelope.right.data : json
    return Either.mapLeft(decodeMarket(payload), (e): Rejection => ({ reason: "schema", message: describe(e) }))
  })

/** A user data message, bare (listenKey stream) or wrapped as the WebSocket API sends it (`{"event":{...}}`). */
export const parseUser = (text: string): Either.Either<UserEvent, Rejection> =>
  Either.flatMap(parseJson(text), (json) => {
    const payload =
      typeof json === "object" && json !== null && "event" in json && typeof json.event === "object" ? json.event : json
    return Either.map(
      Either.mapLeft(decodeUser(payload), (e): Rejection => ({ reason: "schema", message: describe(e) })),
      (m): UserEvent => {
        switch (m.e) {
          case "executionReport":
            return {
              _tag: "Order",
              update: {
                symbol: m.s,
                // A cancel's executionReport carries the cancel request's id in c and the order's in C.
                clientOrderId: m.x === "CANCELED" && m.C !== undefined && m.C !== null && m.C !== "" ? m.C : m.c,
                orderId: String(m.i),
                execType: m.x,
                rejectReason: m.r,
                lastQty: m.l,
                lastPrice: m.L,
                commission: m.n,
                commissionAsset: m.N,
                tradeId: m.t,
                maker: m.m,
                time: m.T
              }
            }
          case "ORDER_TRADE_UPDATE":
            return {
              _tag: "Order",
              update: {
                symbol: m.o.s,
                clientOrderId: m.o.c,
                orderId: String(m.o.i),
                execType: m.o.x,
                rejectReason: "",
                lastQty: m.o.l,
                lastPrice: m.o.L,
                commission: m.o.n ?? "0",
                commissionAsset: m.o.N ?? null,
                tradeId: m.o.t,
                maker: m.o.m,
                time: m.o.T
              }
            }
          case "outboundAccountPosition":
            return { _tag: "Balances", balances: m.B.map((b) => ({ asset: b.a, free: b.f, locked: b.l })) }
          case "ACCOUNT_UPDATE":
            return { _tag: "Balances", balances: m.a.B.map((b) => ({ asset: b.a, free: b.cw, locked: "0" })) }
          case "listenKeyExpired":
            return { _tag: "ListenKeyExpired" }
          default:
            return { _tag: "Ignored" }
        }
      }
    )
  })
