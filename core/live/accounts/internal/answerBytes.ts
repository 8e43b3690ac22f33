/**
 * The answer to nearly every input of a busy shard — accepted, with one order id — written by hand as plain msgpack
 * (`{ _tag: "Accepted", seq, orderIds: [id] }`, a map of three keys), instead of packed by the session: msgpackr walks
 * the object, its keys and the array each time, about as long as the rest of answering. The client decodes it like
 * any other answer, into the same value. Any other outcome, or an order id with a character outside ASCII or longer
 * than 255, is left to the session's packer (`encodeAccepted` returns 0).
 */
import type { Outcome } from "../AccountsShard"

/** `0x83` (a map of three), `_tag`, `Accepted`, `seq`: the same bytes at the start of every such answer. */
const HEAD = [
  0x83,
  0xa4,
  ...Array.from("_tag", (c) => c.charCodeAt(0)),
  0xa8,
  ...Array.from("Accepted", (c) => c.charCodeAt(0)),
  0xa3,
  ...Array.from("seq", (c) => c.charCodeAt(0))
]
const ORDER_IDS = [0xa8, ...Array.from("orderIds", (c) => c.charCodeAt(0)), 0x91]
const TWO_32 = 2 ** 32
/** The longest answer written here: the fixed parts, a float64 sequence and an id of 255 bytes. */
export const MAX_ANSWER_BYTES = HEAD.length + 9 + ORDER_IDS.length + 2 + 255

/** Write `outcome` into `bytes` (at least `MAX_ANSWER_BYTES` long) if it is one this writes; returns its end, or 0. */
export const encodeAccepted = (outcome: Outcome, bytes: Uint8Array, view: DataView): number => {
  if (outcome._tag !== "Accepted" || outcome.orderIds.length !== 1) return 0
  const id = outcome.orderIds[0]!
  const n = id.length
  if (n > 255) return 0
  bytes.set(HEAD, 0)
  let at = HEAD.length
  const seq = outcome.seq
  if (Number.isInteger(seq) && seq >= 0 && seq < TWO_32) {
    bytes[at] = 0xce
    view.setUint32(at + 1, seq)
    at += 5
  } else {
    bytes[at] = 0xcb
    view.setFloat64(at + 1, seq)
    at += 9
  }
  bytes.set(ORDER_IDS, at)
  at += ORDER_IDS.length
  if (n < 32) bytes[at++] = 0xa0 | n
  else {
    bytes[at++] = 0xd9
    bytes[at++] = n
  }
  for (let i = 0; i < n; i++) {
    const c = id.charCodeAt(i)
    if (c > 127) return 0
    bytes[at++] = c
  }
  return at
}
