/**
 * The journal's bytes. A segment file is a magic number followed by batches; a snapshot file is a magic number
 * followed by one batch of one record. A batch is what one write and one fsync made durable:
 *
 *   u32 crc32c of everything after it | u32 body length | u32 first sequence low | u32 high | body
 *
 * and its body is records, each `u32 length | payload`, numbered from the first sequence on. All little-endian.
 * The checksum covers the whole batch, so a torn or damaged batch is found wherever the damage is and is dropped
 * whole: none of its records was acknowledged, since acknowledgements wait for the batch's fsync. One checksum per
 * batch, not per record, keeps recovery at memory speed.
 */
import { crc32c } from "@node-rs/crc32"

/** Its native code reads any byte view, on Node, Bun and Deno alike, not only a Node `Buffer`. */
const crc = crc32c as (input: Uint8Array) => number

export const BATCH_HEADER_BYTES = 16
const RECORD_HEADER_BYTES = 4
export const MAGIC_BYTES = 8
export const SEGMENT_MAGIC = new TextEncoder().encode("MRDWAL02")
export const SNAPSHOT_MAGIC = new TextEncoder().encode("MRDSNP02")
const TWO_32 = 2 ** 32

export const hasMagic = (bytes: Uint8Array, magic: Uint8Array): boolean => {
  if (bytes.length < MAGIC_BYTES) return false
  for (let i = 0; i < MAGIC_BYTES; i++) if (bytes[i] !== magic[i]) return false
  return true
}

/** Records appended into one reused buffer, behind room for the batch header. */
export class RecordBatch {
  private buffer: Uint8Array
  private view: DataView
  private length = BATCH_HEADER_BYTES
  records = 0
  firstSeq = 0
  lastSeq = 0

  constructor(capacity = 1 << 20) {
    this.buffer = new Uint8Array(Math.max(capacity, BATCH_HEADER_BYTES))
    this.view = new DataView(this.buffer.buffer)
  }

  get empty(): boolean {
    return this.records === 0
  }

  /** Add `payload[from, to)` as the record `seq`. */
  add(seq: number, payload: Uint8Array, from = 0, to = payload.length): void {
    const start = this.length
    const length = to - from
    const end = start + RECORD_HEADER_BYTES + length
    if (end > this.buffer.length) this.grow(end)
    this.view.setUint32(start, length, true)
    const buffer = this.buffer
    const at = start + RECORD_HEADER_BYTES
    // A short record byte by byte: cheaper than the view a `set` from part of `payload` needs.
    if (length <= 256) for (let i = 0; i < length; i++) buffer[at + i] = payload[from + i]!
    else buffer.set(payload.subarray(from, to), at)
    this.length = end
    if (this.records++ === 0) this.firstSeq = seq
    this.lastSeq = seq
  }

  /** The whole batch, header and checksum written: a view, valid until the next `add` or `clear`. */
  seal(): Uint8Array {
    const view = this.view
    view.setUint32(4, this.length - BATCH_HEADER_BYTES, true)
    view.setUint32(8, this.firstSeq % TWO_32, true)
    view.setUint32(12, Math.floor(this.firstSeq / TWO_32), true)
    view.setUint32(0, crc(this.buffer.subarray(4, this.length)) >>> 0, true)
    return this.buffer.subarray(0, this.length)
  }

  clear(): void {
    this.length = BATCH_HEADER_BYTES
    this.records = 0
    this.firstSeq = 0
    this.lastSeq = 0
  }

  private grow(atLeast: number): void {
    let size = this.buffer.length * 2
    while (size < atLeast) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buffer.subarray(0, this.length))
    this.buffer = next
    this.view = new DataView(next.buffer)
  }
}

/** A snapshot file's bytes: the magic number and one batch holding the state. */
export const encodeSnapshot = (seq: number, payload: Uint8Array): Uint8Array => {
  const batch = new RecordBatch(BATCH_HEADER_BYTES + RECORD_HEADER_BYTES + payload.length)
  batch.add(seq, payload)
  const sealed = batch.seal()
  const bytes = new Uint8Array(MAGIC_BYTES + sealed.length)
  bytes.set(SNAPSHOT_MAGIC)
  bytes.set(sealed, MAGIC_BYTES)
  return bytes
}

/** The body length a batch header at `at` claims. */
export const bodyLength = (bytes: Uint8Array, at: number): number =>
  new DataView(bytes.buffer, bytes.byteOffset + at, 8).getUint32(4, true)

/**
 * Check the whole batch at `at` (its header and `bodyLength` bytes are in `bytes`) and hand its records to
 * `apply` (views of `bytes`, valid during the call). Returns the number of records, or why the batch is unsound;
 * an unsound batch applies nothing.
 */
export const readBatch = (
  bytes: Uint8Array,
  at: number,
  expectedSeq: number,
  apply: (seq: number, payload: Uint8Array) => void
): number | string => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const end = at + BATCH_HEADER_BYTES + view.getUint32(at + 4, true)
  if (crc(bytes.subarray(at + 4, end)) >>> 0 !== view.getUint32(at, true)) return "a batch fails its checksum"
  const firstSeq = view.getUint32(at + 8, true) + view.getUint32(at + 12, true) * TWO_32
  if (firstSeq !== expectedSeq) return `a batch starts at record ${firstSeq} where ${expectedSeq} was expected`
  // Sound as a whole: check that the records tile the body before applying any.
  let count = 0
  for (let r = at + BATCH_HEADER_BYTES; r < end; count++) {
    r += RECORD_HEADER_BYTES + view.getUint32(r, true)
    if (r > end) return "a record overruns its batch"
  }
  if (count === 0) return "a batch holds no record"
  let seq = firstSeq
  for (let r = at + BATCH_HEADER_BYTES; r < end; seq++) {
    const length = view.getUint32(r, true)
    apply(seq, bytes.subarray(r + RECORD_HEADER_BYTES, r + RECORD_HEADER_BYTES + length))
    r += RECORD_HEADER_BYTES + length
  }
  return count
}
