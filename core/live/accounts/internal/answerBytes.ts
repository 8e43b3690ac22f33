/**
 * The answer to nearly every input of a busy shard — accepted, with one order id — written by hand as plain msgpack
 * (`{ _tag: "Accepted", seq, orderIds: [id] }`, a map of three keys), instead of packed by the session: msgpackr walks
 * the object, its keys and the array each time, about as long as the rest of answering. The client decodes it like
 * any other answer, into the same value. Any other outcome, or an order id with a character outside ASCII or longer
 * than 255, is left to the session's packer (`encode` returns 0).
 */
import type { Outcome } from "../AccountsShard"

const ascii = (s: string): Array<number> => Array.from(s, (c) => c.charCodeAt(0))
/** `0x83` (a map of three), `_tag`, `Accepted`, `seq`: the same bytes at the start of every such answer. */
const HEAD = [0x83, 0xa4, ...ascii("_tag"), 0xa8, ...ascii("Accepted"), 0xa3, ...ascii("seq")]
const ORDER_IDS = [0xa8, ...ascii("orderIds"), 0x91]
const TWO_32 = 2 ** 32

/**
 * Writes the answers into one buffer of its own, whose first bytes (`HEAD`) are written once: an answer is then its
 * sequence, eleven bytes and its id. The bytes of an answer are valid until the next `encode`.
 */
export class AcceptedAnswers {
  /** The fixed parts, a float64 sequence and an id of 255 bytes. */
  readonly bytes = new Uint8Array(HEAD.length + 9 + ORDER_IDS.length + 2 + 255)
  private readonly view = new DataView(this.bytes.buffer)

  constructor() {
    this.bytes.set(HEAD, 0)
  }

  /** Write `outcome` if it is one written here; returns the end of its bytes (they start at 0), or 0. */
  encode(outcome: Outcome): number {
    if (outcome._tag !== "Accepted" || outcome.orderIds.length !== 1) return 0
    const id = outcome.orderIds[0]!
    const n = id.length
    if (n > 255) return 0
    const bytes = this.bytes
    let at = HEAD.length
    const seq = outcome.seq
    if (Number.isInteger(seq) && seq >= 0 && seq < TWO_32) {
      bytes[at] = 0xce
      this.view.setUint32(at + 1, seq)
      at += 5
    } else {
      bytes[at] = 0xcb
      this.view.setFloat64(at + 1, seq)
      at += 9
    }
    for (let i = 0; i < ORDER_IDS.length; i++) bytes[at++] = ORDER_IDS[i]!
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
}
