/**
 * FIX framing checked before parsing: `8=FIX.4.4|9=<len>|...|10=<sum>|` with the body length and the checksum
 * verified. A frame that fails is dropped and reported — FIX 4.4 says a garbled message is ignored without
 * consuming its sequence number — and scanning resumes at the next `8=`.
 */

const SOH = 0x01
const BEGIN = Buffer.from("8=FIX.4.4\u00019=")

/** Feed it socket chunks; it calls `frame` with each well-formed message and `bad` with each dropped stretch. */
export const guardFrames = (frame: (bytes: Buffer) => void, bad: (reason: string) => void) => {
  let pending: Buffer = Buffer.alloc(0)
  return (chunk: Buffer): void => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    let at = 0
    for (;;) {
      const start = pending.indexOf(BEGIN, at)
      if (start < 0) {
        // Keep a tail that may be the beginning of the next frame.
        const keep = Math.min(pending.length - at, BEGIN.length - 1)
        if (pending.length - at - keep > 0) bad(`${pending.length - at - keep} bytes outside any FIX frame`)
        at = pending.length - keep
        break
      }
      if (start > at) bad(`${start - at} bytes outside any FIX frame`)
      at = start
      const lenStart = start + BEGIN.length
      const lenEnd = pending.indexOf(SOH, lenStart)
      if (lenEnd < 0) break
      const lenText = pending.toString("latin1", lenStart, lenEnd)
      if (!/^\d{1,7}$/.test(lenText)) {
        bad(`BodyLength ${JSON.stringify(lenText.slice(0, 16))} is not a number`)
        at = start + 1
        continue
      }
      const bodyEnd = lenEnd + 1 + Number(lenText)
      const end = bodyEnd + 7 // "10=ddd\u0001"
      if (pending.length < end) {
        // A wrong (too large) BodyLength would wait forever: a new frame inside the claimed body gives it away.
        const next = pending.indexOf(BEGIN, lenEnd)
        if (next > 0) {
          bad("BodyLength runs past the end of the message")
          at = next
          continue
        }
        break
      }
      if (pending.toString("latin1", bodyEnd, bodyEnd + 3) !== "10=" || pending[end - 1] !== SOH) {
        bad("BodyLength does not end at the CheckSum field")
        at = start + 1
        continue
      }
      let sum = 0
      for (let i = start; i < bodyEnd; i++) sum += pending[i]!
      const declared = Number(pending.toString("latin1", bodyEnd + 3, bodyEnd + 6))
      if (sum % 256 !== declared) {
        bad(`CheckSum ${pending.toString("latin1", bodyEnd + 3, bodyEnd + 6)} is wrong (computed ${sum % 256})`)
        at = end
        continue
      }
      frame(pending.subarray(start, end))
      at = end
    }
    pending = at >= pending.length ? Buffer.alloc(0) : Buffer.from(pending.subarray(at))
  }
}
