/** The record the crash test writes as `seq`: its length and every byte follow from the sequence. */
export const crashRecord = (seq: number): Uint8Array => {
  const bytes = new Uint8Array(16 + (seq % 97))
  new DataView(bytes.buffer).setFloat64(0, seq, true)
  for (let i = 8; i < bytes.length; i++) bytes[i] = (seq * 31 + i) & 0xff
  return bytes
}

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i])
