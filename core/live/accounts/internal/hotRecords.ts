/**
 * The journal records of the hot inputs, written by hand: the common submission (a limit order with a strategy and
 * none of the other optional fields), the venue's accept and its fill — nearly every input of a busy shard, none
 * with a request id or a sender tail. msgpack with shared record structures spent ≈ 1 µs per submission walking the
 * object and its keys (a sixth of the service's journal and engine time); these records are a fixed header and a
 * few short strings, written and read with no lookup at all. All numbers little-endian; the numbers are safe
 * integers, exact in a double; an id is `u8 length | ASCII bytes`.
 *
 *   SUBMIT    u8 kind | u8 flags (bit 0 sell, 1 reduce-only, 2 post-only) | u8 time in force
 *             f64 ts | f64 quantity | f64 limit price | client order id, account id, strategy id, instrument id
 *   ACCEPTED  u8 kind | f64 ts | account id, order id, venue order id
 *   FILLED    u8 kind | u8 liquidity (0 maker, 1 taker) | f64 ts | f64 quantity | f64 price | f64 fee
 *             account id, order id, trade id, fee currency
 *
 * Any other input, or one with a character outside ASCII or an id longer than 255, goes to msgpack as before, so a
 * record never has to say what it cannot hold. Reading gives back the input as the wire decoder (`fastInput`) gives
 * it: the same fields in the same order.
 */
import type { ShardInput } from "../ShardInput"
import { plainLimit } from "./fastInput"

/** The first byte of each kind of record (`walCodec` uses 0 and 1). */
export const SUBMIT = 2
export const ACCEPTED = 3
export const FILLED = 4

const SELL = 1
const REDUCE_ONLY = 2
const POST_ONLY = 4
const TIME_IN_FORCE = ["GTC", "IOC", "FOK", "DAY"] as const
const LIQUIDITY = ["maker", "taker"] as const
const SUBMIT_HEADER = 27
const ACCEPTED_HEADER = 9
const FILLED_HEADER = 34
/** The longest record: a header and four ids of at most 255 bytes with their lengths. */
export const MAX_HOT_BYTES = FILLED_HEADER + 4 * 256

type Submit = Extract<ShardInput, { readonly _tag: "SubmitOrder" }>
type Accepted = Extract<ShardInput, { readonly _tag: "VenueAccepted" }>
type Filled = Extract<ShardInput, { readonly _tag: "VenueFilled" }>

/** Write `s` at `at` as a length and its bytes; returns where the next goes, -1 if it is not ASCII or too long. */
const writeAscii = (bytes: Uint8Array, at: number, s: string): number => {
  if (at < 0) return -1
  const n = s.length
  if (n > 255) return -1
  bytes[at] = n
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c > 127) return -1
    bytes[at + 1 + i] = c
  }
  return at + 1 + n
}

const submit = (input: Submit, bytes: Uint8Array, view: DataView): number => {
  const r = input.request
  if (r.type !== "limit" || !plainLimit(r)) return 0
  const tif = TIME_IN_FORCE.indexOf(r.timeInForce as (typeof TIME_IN_FORCE)[number])
  if (tif < 0) return 0
  bytes[0] = SUBMIT
  bytes[1] = (r.side === "sell" ? SELL : 0) | (r.reduceOnly ? REDUCE_ONLY : 0) | (r.postOnly ? POST_ONLY : 0)
  bytes[2] = tif
  view.setFloat64(3, input.ts, true)
  view.setFloat64(11, r.quantity, true)
  view.setFloat64(19, r.limitPrice, true)
  const at = writeAscii(bytes, SUBMIT_HEADER, r.clientOrderId)
  return writeAscii(bytes, writeAscii(bytes, writeAscii(bytes, at, r.accountId), r.strategyId), r.instrumentId)
}

const accepted = (input: Accepted, bytes: Uint8Array, view: DataView): number => {
  bytes[0] = ACCEPTED
  view.setFloat64(1, input.ts, true)
  const at = writeAscii(bytes, ACCEPTED_HEADER, input.accountId)
  return writeAscii(bytes, writeAscii(bytes, at, input.orderId), input.venueOrderId)
}

const filled = (input: Filled, bytes: Uint8Array, view: DataView): number => {
  const liquidity = LIQUIDITY.indexOf(input.liquidity)
  if (liquidity < 0) return 0
  bytes[0] = FILLED
  bytes[1] = liquidity
  view.setFloat64(2, input.ts, true)
  view.setFloat64(10, input.quantity, true)
  view.setFloat64(18, input.price, true)
  view.setFloat64(26, input.fee, true)
  const at = writeAscii(bytes, FILLED_HEADER, input.accountId)
  return writeAscii(bytes, writeAscii(bytes, writeAscii(bytes, at, input.orderId), input.tradeId), input.feeCurrency)
}

/**
 * Write `input` into `bytes` (at least `MAX_HOT_BYTES` long) as a record of its own kind if it is one of the hot
 * inputs; returns the record's length, or 0 when msgpack must take it.
 */
export const encodeHot = (input: ShardInput, bytes: Uint8Array, view: DataView): number => {
  const extra = input as { readonly requestId?: unknown; readonly senderTail?: unknown }
  if (extra.requestId !== undefined || extra.senderTail !== undefined) return 0
  let end = 0
  if (input._tag === "SubmitOrder") end = submit(input, bytes, view)
  else if (input._tag === "VenueAccepted") end = accepted(input, bytes, view)
  else if (input._tag === "VenueFilled") end = filled(input, bytes, view)
  return Math.max(end, 0)
}

const malformed = (kind: string) => new RangeError(`a malformed ${kind} record`)

/**
 * Reads the hot records. An account, strategy, instrument or fee currency is most often that of the record before:
 * it is then that record's string, so a replayed book holds one copy of each, as the live one does.
 */
export class HotReader {
  private account = ""
  private strategy = ""
  private instrument = ""
  private currency = ""
  private at = 0

  /** The input in a record of kind `SUBMIT`, `ACCEPTED` or `FILLED`. */
  read(record: Uint8Array): ShardInput {
    const view = new DataView(record.buffer, record.byteOffset, record.byteLength)
    switch (record[0]) {
      case SUBMIT:
        return this.submit(record, view)
      case ACCEPTED:
        return this.accepted(record, view)
      default:
        return this.filled(record, view)
    }
  }

  private submit(record: Uint8Array, view: DataView): Submit {
    const timeInForce = TIME_IN_FORCE[record[2]!]
    if (timeInForce === undefined || record.length < SUBMIT_HEADER) throw malformed("submission")
    const flags = record[1]!
    this.at = SUBMIT_HEADER
    const clientOrderId = this.ascii(record, undefined)
    const accountId = this.ascii(record, this.account)
    const strategyId = this.ascii(record, this.strategy)
    const instrumentId = this.ascii(record, this.instrument)
    if (this.at !== record.length) throw malformed("submission")
    this.account = accountId
    this.strategy = strategyId
    this.instrument = instrumentId
    return {
      _tag: "SubmitOrder",
      request: {
        clientOrderId,
        accountId,
        strategyId,
        instrumentId,
        side: (flags & SELL) === 0 ? "buy" : "sell",
        type: "limit",
        quantity: view.getFloat64(11, true),
        limitPrice: view.getFloat64(19, true),
        timeInForce,
        reduceOnly: (flags & REDUCE_ONLY) !== 0,
        postOnly: (flags & POST_ONLY) !== 0
      },
      ts: view.getFloat64(3, true)
    } as Submit
  }

  private accepted(record: Uint8Array, view: DataView): Accepted {
    if (record.length < ACCEPTED_HEADER) throw malformed("venue accept")
    this.at = ACCEPTED_HEADER
    const accountId = this.ascii(record, this.account)
    const orderId = this.ascii(record, undefined)
    const venueOrderId = this.ascii(record, undefined)
    if (this.at !== record.length) throw malformed("venue accept")
    this.account = accountId
    return { _tag: "VenueAccepted", accountId, orderId, ts: view.getFloat64(1, true), venueOrderId } as Accepted
  }

  private filled(record: Uint8Array, view: DataView): Filled {
    const liquidity = LIQUIDITY[record[1]!]
    if (liquidity === undefined || record.length < FILLED_HEADER) throw malformed("venue fill")
    this.at = FILLED_HEADER
    const accountId = this.ascii(record, this.account)
    const orderId = this.ascii(record, undefined)
    const tradeId = this.ascii(record, undefined)
    const feeCurrency = this.ascii(record, this.currency)
    if (this.at !== record.length) throw malformed("venue fill")
    this.account = accountId
    this.currency = feeCurrency
    return {
      _tag: "VenueFilled",
      accountId,
      orderId,
      ts: view.getFloat64(2, true),
      tradeId,
      quantity: view.getFloat64(10, true),
      price: view.getFloat64(18, true),
      fee: view.getFloat64(26, true),
      feeCurrency,
      liquidity
    } as Filled
  }

  /** The next string; `previous` itself when its bytes are the same. */
  private ascii(record: Uint8Array, previous: string | undefined): string {
    const n = record[this.at]!
    const start = this.at + 1
    const end = start + n
    if (n === undefined || end > record.length) throw malformed("journal")
    this.at = end
    if (previous !== undefined && previous.length === n) {
      let same = true
      for (let i = 0; i < n && same; i++) same = previous.charCodeAt(i) === record[start + i]
      if (same) return previous
    }
    return String.fromCharCode.apply(null, record.subarray(start, end) as unknown as Array<number>)
  }
}
