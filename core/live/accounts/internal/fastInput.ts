/**
 * A hand-written decoder for the inputs that make up the hot path (submissions, cancels, the venue's accepts, fills
 * and cancels, marks): `Schema` decoding costs ≈ 3.5 µs and a dozen allocations per input, most of the service's
 * time per order. It accepts only what `ShardInput` accepts and returns the same value (same fields, same key
 * order, unknown keys dropped); for anything it does not vouch for — another shape, or a value that fails a check —
 * it returns undefined and the caller decodes with `Schema`, which also words the error. So an invalid input gets
 * exactly the one-line error it always got, and the two decoders are checked against each other in
 * `fastInput.test.ts`.
 */
import type { ShardInput } from "../ShardInput"

type Fields = Record<string, unknown>

const SIMPLE_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/
const INSTRUMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_/^-]{0,47}\.[A-Z0-9][A-Z0-9_-]{0,31}$/
const CURRENCY = /^[A-Z0-9]{2,12}$/

const simpleId = (v: unknown): v is string => typeof v === "string" && SIMPLE_ID.test(v)
/** `VenueOrderId`, `TradeId`: 1 to 128 characters. */
const longId = (v: unknown): v is string => typeof v === "string" && v.length >= 1 && v.length <= 128
const int = (v: unknown): v is number => Number.isSafeInteger(v)
const positive = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0
const timestamp = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

/**
 * One copy of each repeated string an order keeps, and no second check of it. The wire decoder makes a new string
 * for every field of every input, and an open order holds its account, strategy, instrument, side, type and time in
 * force for as long as it lives (in its record, its published snapshot and its venue command): ≈ 150 bytes of
 * duplicates per order for the garbage collector to copy and mark. Literals of a closed set map to themselves; ids
 * go through a table of the strings their pattern accepted, which stops growing at `MAX_INTERNED` (later ones are
 * checked and kept as they come, so a stream of distinct ids costs nothing more). A string found there is valid
 * without its regular expression (a sixth of this decoder's time, measured in the service's profile).
 */
const MAX_INTERNED = 16_384

class CheckedStrings {
  private readonly known = new Map<string, string>()

  constructor(private readonly pattern: RegExp) {}

  /** The copy kept of `v` if it is a string the pattern accepts; else undefined. */
  of(v: unknown): string | undefined {
    if (typeof v !== "string") return undefined
    const known = this.known.get(v)
    if (known !== undefined) return known
    if (!this.pattern.test(v)) return undefined
    if (this.known.size < MAX_INTERNED) this.known.set(v, v)
    return v
  }
}

const simpleIds = new CheckedStrings(SIMPLE_ID)
const instrumentIds = new CheckedStrings(INSTRUMENT_ID)
const literals = (values: ReadonlyArray<string>): ReadonlyMap<string, string> => new Map(values.map((v) => [v, v]))

const SIDES = literals(["buy", "sell"])
const TIME_IN_FORCE = literals(["GTC", "IOC", "FOK", "DAY", "GTD"])
const ORDER_TYPES = literals([
  "market",
  "limit",
  "stop",
  "stop-limit",
  "trailing-stop",
  "market-if-touched",
  "limit-if-touched",
  "trailing-stop-limit",
  "market-to-limit",
  "market-on-open",
  "market-on-close"
])

const hasOwn = (o: Fields, key: string): boolean => Object.hasOwn(o, key)

/** An optional field (`optionalWith(..., { exact: true })`): absent, or present and valid; never `undefined`. */
const optional = (o: Fields, key: string, valid: (v: unknown) => boolean): boolean => {
  const v = o[key]
  return v === undefined ? !hasOwn(o, key) : valid(v)
}

const isRecord = (v: unknown): v is Fields => typeof v === "object" && v !== null && !Array.isArray(v)

/** An order request's optional fields, as far as telling the common limit order apart reads them. */
interface Optionals {
  readonly strategyId?: unknown
  readonly limitPrice?: unknown
  readonly stopPrice?: unknown
  readonly trailingOffset?: unknown
  readonly limitOffset?: unknown
  readonly expireAt?: unknown
  readonly displayQuantity?: unknown
  readonly notionalLimit?: unknown
  readonly fundsShare?: unknown
}

/**
 * A request with a strategy and a limit price and none of the other optional fields: the shape built as one literal
 * here, and journaled as a record of its own (`hotRecords`).
 */
export const plainLimit = <R extends Optionals>(
  r: R
): r is R & { readonly strategyId: NonNullable<R["strategyId"]>; readonly limitPrice: NonNullable<R["limitPrice"]> } =>
  r.strategyId !== undefined &&
  r.limitPrice !== undefined &&
  r.stopPrice === undefined &&
  r.trailingOffset === undefined &&
  r.limitOffset === undefined &&
  r.expireAt === undefined &&
  r.displayQuantity === undefined &&
  r.notionalLimit === undefined &&
  r.fundsShare === undefined

/**
 * The request if every field and every rule between fields (those of `OrderRequest`) holds, with the fields in
 * the schema's order; else undefined.
 */
const orderRequest = (r: Fields): Fields | undefined => {
  const side = SIDES.get(r.side as string)
  const type = ORDER_TYPES.get(r.type as string)
  const timeInForce = TIME_IN_FORCE.get(r.timeInForce as string)
  const accountId = simpleIds.of(r.accountId)
  const strategyId = r.strategyId === undefined ? undefined : simpleIds.of(r.strategyId)
  const instrumentId = instrumentIds.of(r.instrumentId)
  if (
    !simpleId(r.clientOrderId) ||
    accountId === undefined ||
    (strategyId === undefined && (r.strategyId !== undefined || hasOwn(r, "strategyId"))) ||
    instrumentId === undefined ||
    side === undefined ||
    type === undefined ||
    !positive(r.quantity) ||
    !optional(r, "limitPrice", int) ||
    !optional(r, "stopPrice", int) ||
    !optional(r, "trailingOffset", positive) ||
    !optional(r, "limitOffset", (v) => int(v) && v >= 0) ||
    timeInForce === undefined ||
    !optional(r, "expireAt", timestamp) ||
    typeof r.reduceOnly !== "boolean" ||
    typeof r.postOnly !== "boolean" ||
    !optional(r, "displayQuantity", positive) ||
    !optional(r, "notionalLimit", positive) ||
    !optional(r, "fundsShare", (v) => int(v) && v >= 1 && v <= 10_000)
  ) {
    return undefined
  }
  // The rules of `Order.ts`'s `consistent`, as conditions for acceptance.
  const needsLimit = type === "limit" || type === "stop-limit" || type === "limit-if-touched"
  const needsStop =
    type === "stop" || type === "stop-limit" || type === "market-if-touched" || type === "limit-if-touched"
  const trailing = type === "trailing-stop" || type === "trailing-stop-limit"
  const auction = type === "market-on-open" || type === "market-on-close"
  if (
    needsLimit !== (r.limitPrice !== undefined) ||
    needsStop !== (r.stopPrice !== undefined) ||
    trailing !== (r.trailingOffset !== undefined) ||
    (type === "trailing-stop-limit") !== (r.limitOffset !== undefined) ||
    (auction && (timeInForce === "IOC" || timeInForce === "FOK")) ||
    (timeInForce === "GTD") !== (r.expireAt !== undefined) ||
    (r.postOnly && type !== "limit") ||
    (r.displayQuantity !== undefined && (r.displayQuantity as number) > (r.quantity as number))
  ) {
    return undefined
  }
  if (plainLimit(r)) {
    // The common limit order as one literal (fields added one by one go to a second, growing allocation).
    return {
      clientOrderId: r.clientOrderId,
      accountId,
      strategyId,
      instrumentId,
      side,
      type,
      quantity: r.quantity,
      limitPrice: r.limitPrice,
      timeInForce,
      reduceOnly: r.reduceOnly,
      postOnly: r.postOnly
    }
  }
  const out: Fields = { clientOrderId: r.clientOrderId, accountId }
  if (strategyId !== undefined) out.strategyId = strategyId
  out.instrumentId = instrumentId
  out.side = side
  out.type = type
  out.quantity = r.quantity
  if (r.limitPrice !== undefined) out.limitPrice = r.limitPrice
  if (r.stopPrice !== undefined) out.stopPrice = r.stopPrice
  if (r.trailingOffset !== undefined) out.trailingOffset = r.trailingOffset
  if (r.limitOffset !== undefined) out.limitOffset = r.limitOffset
  out.timeInForce = timeInForce
  if (r.expireAt !== undefined) out.expireAt = r.expireAt
  out.reduceOnly = r.reduceOnly
  out.postOnly = r.postOnly
  if (r.displayQuantity !== undefined) out.displayQuantity = r.displayQuantity
  if (r.notionalLimit !== undefined) out.notionalLimit = r.notionalLimit
  if (r.fundsShare !== undefined) out.fundsShare = r.fundsShare
  return out
}

/** A venue report's header fields, valid. */
const report = (b: Fields): boolean => simpleId(b.accountId) && simpleId(b.orderId) && timestamp(b.ts)

/** The input in `body` when it is one of the hot shapes and valid; undefined hands it to `Schema`. */
export const decodeHotInput = (body: unknown): ShardInput | undefined => {
  if (!isRecord(body)) return undefined
  let out: Fields | undefined
  switch (body._tag) {
    case "SubmitOrder": {
      const request = isRecord(body.request) ? orderRequest(body.request) : undefined
      if (request !== undefined && timestamp(body.ts)) out = { _tag: "SubmitOrder", request, ts: body.ts }
      break
    }
    case "CancelOrder":
      if (simpleId(body.accountId) && simpleId(body.clientOrderId) && timestamp(body.ts)) {
        out = { _tag: "CancelOrder", accountId: body.accountId, clientOrderId: body.clientOrderId, ts: body.ts }
      }
      break
    case "VenueAccepted":
      if (report(body) && longId(body.venueOrderId)) {
        out = {
          _tag: "VenueAccepted",
          accountId: body.accountId,
          orderId: body.orderId,
          ts: body.ts,
          venueOrderId: body.venueOrderId
        }
      }
      break
    case "VenueCanceled":
      if (report(body)) out = { _tag: "VenueCanceled", accountId: body.accountId, orderId: body.orderId, ts: body.ts }
      break
    case "VenueFilled":
      if (
        report(body) &&
        longId(body.tradeId) &&
        positive(body.quantity) &&
        int(body.price) &&
        int(body.fee) &&
        typeof body.feeCurrency === "string" &&
        CURRENCY.test(body.feeCurrency) &&
        (body.liquidity === "maker" || body.liquidity === "taker")
      ) {
        out = {
          _tag: "VenueFilled",
          accountId: body.accountId,
          orderId: body.orderId,
          ts: body.ts,
          tradeId: body.tradeId,
          quantity: body.quantity,
          price: body.price,
          fee: body.fee,
          feeCurrency: body.feeCurrency,
          liquidity: body.liquidity
        }
      }
      break
    case "Mark":
      if (typeof body.instrumentId === "string" && INSTRUMENT_ID.test(body.instrumentId) && int(body.price)) {
        if (timestamp(body.ts)) out = { _tag: "Mark", instrumentId: body.instrumentId, price: body.price, ts: body.ts }
      }
      break
  }
  return out as ShardInput | undefined
}
