/**
 * The journal's bytes. A segment file is a magic number followed by records; a snapshot file is a magic number
 * followed by one record. A record is
 *
 *   u32 crc32c of everything after it | u32 payload length | u32 sequence low | u32 sequence high | payload
 *
 * little-endian. The checksum covers the length and the sequence, so a torn or overwritten record is found
 * wherever the damage is, and a record is only ever read whole.
 */
import { crc32c } from "@node-rs/crc32"

/** Its native code reads any byte view, on Node, Bun and Deno alike, not only a Node `Buffer`. */
const crc = crc32c as (input: Uint8Array) => number

export const HEADER_BYTES = 16
export const MAGIC_BYTES = 8
export const SEGMENT_MAGIC = new TextEncoder().encode("MRDWAL01")
export const SNAPSHOT_MAGIC = new TextEncoder().encode("MRDSNP01")
const TWO_32 = 2 ** 32

const checksum = (bytes: Uint8Array, start: number, end: number): number => crc(bytes.subarray(start, end)) >>> 0

export const hasMagic = (bytes: Uint8Array, magic: Uint8Array): boolean => {
  if (bytes.length < MAGIC_BYTES) return false
  for (let i = 0; i < MAGIC_BYTES; i++) if (bytes[i] !== magic[i]) return false
  return true
}

/** Records appended into one reused buffer: what one write and one fsync make durable together. */
export class RecordBatch {
  private buffer: Uint8Array
  private view: DataView
  length = 0
  records = 0
  /** Sequence of the last record added; 0 while empty. */
  lastSeq = 0

  constructor(capacity = 1 << 20) {
    this.buffer = new Uint8Array(capacity)
    this.view = new DataView(this.buffer.buffer)
  }

  get empty(): boolean {
    return this.length === 0
  }

  add(seq: number, payload: Uint8Array): void {
    const start = this.length
    const end = start + HEADER_BYTES + payload.length
    if (end > this.buffer.length) this.grow(end)
    const view = this.view
    view.setUint32(start + 4, payload.length, true)
    view.setUint32(start + 8, seq % TWO_32, true)
    view.setUint32(start + 12, Math.floor(seq / TWO_32), true)
    this.buffer.set(payload, start + HEADER_BYTES)
    view.setUint32(start, checksum(this.buffer, start + 4, end), true)
    this.length = end
    this.records++
    this.lastSeq = seq
  }

  /** The batch's bytes: a view, valid until the next `clear`. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length)
  }

  clear(): void {
    this.length = 0
    this.records = 0
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

/** One record with its magic number: the content of a snapshot file. */
export const encodeSnapshot = (seq: number, payload: Uint8Array): Uint8Array => {
  const batch = new RecordBatch(HEADER_BYTES + payload.length)
  batch.add(seq, payload)
  const bytes = new Uint8Array(MAGIC_BYTES + batch.length)
  bytes.set(SNAPSHOT_MAGIC)
  bytes.set(batch.bytes(), MAGIC_BYTES)
  return bytes
}

/** Where a scan stopped: `end` is the offset after the last whole record; `problem` says why it stopped early. */
export interface Scan {
  readonly end: number
  readonly lastSeq: number
  readonly records: number
  readonly problem: string | undefined
}

/**
 * Read records from `offset` while each is whole, checksummed and next in sequence (`expectedSeq`, then +1 each);
 * hand each to `apply` (a view of the file's bytes, valid during the call).
 */
export const scanRecords = (
  bytes: Uint8Array,
  offset: number,
  expectedSeq: number,
  maxRecordBytes: number,
  apply: (seq: number, payload: Uint8Array) => void
): Scan => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = offset
  let seq = expectedSeq
  let records = 0
  const stop = (problem: string | undefined): Scan => ({ end: at, lastSeq: seq - 1, records, problem })
  while (at < bytes.length) {
    if (bytes.length - at < HEADER_BYTES) return stop("a record header is cut short")
    const length = view.getUint32(at + 4, true)
    if (length > maxRecordBytes) return stop(`a record claims ${length} bytes, more than ${maxRecordBytes}`)
    const end = at + HEADER_BYTES + length
    if (end > bytes.length) return stop("a record is cut short")
    if (checksum(bytes, at + 4, end) !== view.getUint32(at, true)) return stop("a record fails its checksum")
    const recordSeq = view.getUint32(at + 8, true) + view.getUint32(at + 12, true) * TWO_32
    if (recordSeq !== seq) return stop(`record ${recordSeq} where ${seq} was expected`)
    apply(seq, bytes.subarray(at + HEADER_BYTES, end))
    seq++
    records++
    at = end
  }
  return stop(undefined)
}
