/**
 * Shard inputs as journal records: msgpack with record structures shared across the whole journal, so that a
 * record carries only its values (a submission ≈ 65 bytes instead of ≈ 210) and decodes ~5× faster. A structure
 * is journaled, as a record of its own, before the first input that uses it; recovery loads the structures as it
 * meets them and hands them to the encoder for the inputs that follow.
 *
 * The first byte of a record says which it is: an input, the structures so far, or one of the hot inputs (the common
 * submission, the venue's accept and fill) written by hand (`hotRecords`). A kind this code does not know (a journal written by a later version) stops recovery with a
 * message rather than being read as something else.
 */
import { Packr, RESERVE_START_SPACE, RESET_BUFFER_MODE, REUSE_BUFFER_MODE } from "msgpackr"
import type { ShardInput } from "../ShardInput"
import { ACCEPTED, encodeHot, FILLED, HotReader, MAX_HOT_BYTES, SUBMIT } from "./hotRecords"

const INPUT = 0
const STRUCTURES = 1
/** Enough for every shape of input (a structure per set of keys) with room to spare. */
const MAX_SHARED = 1024
const options = { maxSharedStructures: MAX_SHARED, mapsAsObjects: true, int64AsType: "number" } as const
const plain = new Packr({ useRecords: false })
/**
 * Pack into msgpackr's own buffer behind one reserved byte (the tag), and get that buffer back with the record's
 * bounds, to be copied into the journal at once: no buffer or view per input.
 */
const IN_PLACE = REUSE_BUFFER_MODE | RESET_BUFFER_MODE | RESERVE_START_SPACE | 1

/** What `pack` returns in `IN_PLACE` mode: its buffer, the record (with the reserved byte) at `[start, end)`. */
interface Packed extends Uint8Array {
  readonly start?: number
  readonly end?: number
}

/** Where `encode` hands each record: `bytes[start, end)`, valid during the call only. */
export type Append = (bytes: Uint8Array, start: number, end: number) => void

const tagged = (tag: number, bytes: Uint8Array): Uint8Array => {
  const record = new Uint8Array(bytes.length + 1)
  record[0] = tag
  record.set(bytes, 1)
  return record
}

export class WalCodec {
  private structures: Array<object> = []
  /** Every structure defined so far, by the journal or by the encoder: what a snapshot must carry. */
  private defined: Array<object> = []
  private saved: Array<Uint8Array> = []
  private packr = this.encoder([])
  private readonly unpackr = new Packr({ ...options, getStructures: () => this.structures })
  private readonly hotBytes = new Uint8Array(MAX_HOT_BYTES)
  private readonly hotView = new DataView(this.hotBytes.buffer)
  private readonly hot = new HotReader()

  /** Hand `input`'s records to `append`: the structures it adds, if any, then the input itself. Returns the bytes. */
  encode(input: ShardInput, append: Append): number {
    const hot = encodeHot(input, this.hotBytes, this.hotView)
    if (hot > 0) {
      append(this.hotBytes, 0, hot)
      return hot
    }
    const packed = this.packr.pack(input, IN_PLACE) as Packed
    // A pack that saved structures returns a view of the record instead (the reserved byte first).
    const start = packed.start ?? 0
    const end = packed.end ?? packed.length
    packed[start] = INPUT
    let bytes = end - start
    if (this.saved.length > 0) {
      for (const record of this.saved) {
        append(record, 0, record.length)
        bytes += record.length
      }
      this.saved = []
    }
    append(packed, start, end)
    return bytes
  }

  /** The input in a record; undefined for a record of structures, which it loads for the records after it. */
  decode(record: Uint8Array): ShardInput | undefined {
    const kind = record[0]
    if (kind === SUBMIT || kind === ACCEPTED || kind === FILLED) return this.hot.read(record)
    const body = record.subarray(1)
    if (kind === INPUT) return this.unpackr.unpack(body) as ShardInput
    if (kind !== STRUCTURES) throw new RangeError(`a journal record of kind ${kind}, which this version cannot read`)
    this.structures = plain.unpack(body) as Array<object>
    this.defined = this.structures
    // New inputs extend what the journal already defines.
    this.packr = this.encoder(this.structures.slice())
    return undefined
  }

  /**
   * The structures defined so far, as the journal records them: a snapshot carries them, since the records after
   * it use them and the records that defined them are not replayed.
   */
  get structuresRecord(): Uint8Array {
    return tagged(STRUCTURES, plain.pack(this.defined))
  }

  private encoder(structures: Array<object>): Packr {
    return new Packr({
      ...options,
      structures,
      saveStructures: (all: Array<object>) => {
        this.defined = all.slice()
        this.saved.push(tagged(STRUCTURES, plain.pack(all)))
        return true
      }
    })
  }
}
