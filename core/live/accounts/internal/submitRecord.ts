/**
 * The journal record of the common submission, written by hand: a limit order with a strategy and none of the other
 * optional fields, no request id and no sender tail — nearly every input of a busy shard. msgpack with shared record
 * structures spent ≈ 1 µs per order walking the object and its keys (a sixth of the service's journal and engine
 * time); this record is a fixed header and four short strings, written and read with no lookup at all.
 *
 *   u8 kind (`SUBMIT`) | u8 flags (bit 0 sell, 1 reduce-only, 2 post-only) | u8 time in force
 *   f64 ts | f64 quantity | f64 limit price          (little-endian; safe integers, exact in a double)
 *   4 × (u8 length | ASCII bytes): client order id, account id, strategy id, instrument id
 *
 * Any other input, or one with a character outside ASCII or an id longer than 255, goes to msgpack as before, so
 * the record never has to say what it cannot hold. Decoding gives back the input as the wire decoder
 * (`fastInput`) gives it: the same fields in the same order.
 */
import type { ShardInput } from "../ShardInput"

/** The first byte of a record of this kind (`walCodec` uses 0 and 1). */
export const SUBMIT = 2

const SELL = 1
const REDUCE_ONLY = 2
const POST_ONLY = 4
const TIME_IN_FORCE = ["GTC", "IOC", "FOK", "DAY"] as const
const HEADER = 27
/** The longest record: the header and four ids of at most 255 bytes with their lengths. */
export const MAX_SUBMIT_BYTES = HEADER + 4 * 256

type Submit = Extract<ShardInput, { readonly _tag: "SubmitOrder" }>

/** Write `s` at `at` as a length and its bytes; -1 if it is not ASCII or too long. */
const writeAscii = (bytes: Uint8Array, at: number, s: string): number => {
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

/**
 * Write `input` into `bytes` (at least `MAX_SUBMIT_BYTES` long) as a `SUBMIT` record if it is the common submission;
 * returns the record's length, or 0 when msgpack must take it.
 */
export const encodeSubmit = (input: ShardInput, bytes: Uint8Array, view: DataView): number => {
  if (input._tag !== "SubmitOrder") return 0
  const extra = input as { readonly requestId?: unknown; readonly senderTail?: unknown }
  if (extra.requestId !== undefined || extra.senderTail !== undefined) return 0
  const r = input.request
  const { strategyId, limitPrice } = r
  if (
    r.type !== "limit" ||
    strategyId === undefined ||
    limitPrice === undefined ||
    r.stopPrice !== undefined ||
    r.trailingOffset !== undefined ||
    r.limitOffset !== undefined ||
    r.expireAt !== undefined ||
    r.displayQuantity !== undefined ||
    r.notionalLimit !== undefined ||
    r.fundsShare !== undefined
  ) {
    return 0
  }
  const tif = TIME_IN_FORCE.indexOf(r.timeInForce as (typeof TIME_IN_FORCE)[number])
  if (tif < 0) return 0
  bytes[0] = SUBMIT
  bytes[1] = (r.side === "sell" ? SELL : 0) | (r.reduceOnly ? REDUCE_ONLY : 0) | (r.postOnly ? POST_ONLY : 0)
  bytes[2] = tif
  view.setFloat64(3, input.ts, true)
  view.setFloat64(11, r.quantity, true)
  view.setFloat64(19, limitPrice, true)
  let at = writeAscii(bytes, HEADER, r.clientOrderId)
  if (at > 0) at = writeAscii(bytes, at, r.accountId)
  if (at > 0) at = writeAscii(bytes, at, strategyId)
  if (at > 0) at = writeAscii(bytes, at, r.instrumentId)
  return Math.max(at, 0)
}

/**
 * Reads `SUBMIT` records. The account, strategy and instrument of one record are most often those of the one
 * before: each is then that one's string, so a replayed book holds one copy of each, as the live one does.
 */
export class SubmitReader {
  private account = ""
  private strategy = ""
  private instrument = ""
  private at = 0

  read(record: Uint8Array): Submit {
    const timeInForce = TIME_IN_FORCE[record[2]!]
    if (timeInForce === undefined || record.length < HEADER) throw new RangeError("a malformed submission record")
    const view = new DataView(record.buffer, record.byteOffset, record.byteLength)
    const flags = record[1]!
    this.at = HEADER
    const clientOrderId = this.ascii(record, undefined)
    const accountId = this.ascii(record, this.account)
    const strategyId = this.ascii(record, this.strategy)
    const instrumentId = this.ascii(record, this.instrument)
    this.account = accountId
    this.strategy = strategyId
    this.instrument = instrumentId
    if (this.at !== record.length) throw new RangeError("a malformed submission record")
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

  /** The next string; `previous` itself when its bytes are the same. */
  private ascii(record: Uint8Array, previous: string | undefined): string {
    const n = record[this.at]!
    const start = this.at + 1
    const end = start + n
    if (end > record.length) throw new RangeError("a malformed submission record")
    this.at = end
    if (previous !== undefined && previous.length === n) {
      let same = true
      for (let i = 0; i < n && same; i++) same = previous.charCodeAt(i) === record[start + i]
      if (same) return previous
    }
    return String.fromCharCode.apply(null, record.subarray(start, end) as unknown as Array<number>)
  }
}
