/**
 * Frames on the wire: `[u32 length][u8 type][header][body]`, big-endian, where `length` counts everything after
 * itself. Headers are fixed binary fields (request ids, subscription ids, sequences as two u32); bodies are
 * msgpack. The writer collects a turn's frames in one buffer and hands it to the transport once per turn; the
 * reader parses frames straight out of each chunk and copies only a frame split across chunks, into one reused
 * buffer.
 */
import type { Connection } from "../Transport"

export const FrameType = {
  /** server → client: version, identity, nonce. */
  Challenge: 1,
  /** client → server: version, identity, nonce, proof. */
  Hello: 2,
  /** server → client: the server's proof. */
  Welcome: 3,
  /** either way, last frame: reason and message. */
  Close: 4,
  Heartbeat: 5,
  /** u32 id, body. */
  Request: 16,
  /** u32 id, body. */
  Response: 17,
  /** u32 id, body (the error). */
  Failure: 18,
  /** body, no answer. */
  Message: 19,
  /** u32 subscription, u32 u32 last sequence processed, body (the topic). */
  Subscribe: 32,
  /** u32 subscription, u32 u32 sequence, body. */
  Event: 33,
  /** u32 subscription, body (the error). */
  SubscribeFailed: 34,
  /** u32 subscription. */
  Unsubscribe: 35
} as const

export const readU32 = (bytes: Uint8Array, at: number): number =>
  ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0

const writeU32 = (bytes: Uint8Array, at: number, value: number): void => {
  bytes[at] = value >>> 24
  bytes[at + 1] = value >>> 16
  bytes[at + 2] = value >>> 8
  bytes[at + 3] = value
}

const TWO_32 = 2 ** 32

/** A sequence (a safe integer ≥ 0) as two u32. */
export const readSeq = (bytes: Uint8Array, at: number): number => readU32(bytes, at) * TWO_32 + readU32(bytes, at + 4)

const EMPTY = new Uint8Array(0)

/**
 * A turn that queues this much while the transport is idle writes it at once rather than at the turn's end: a
 * replay or a burst to a peer that keeps up then never builds a buffer of megabytes (fresh memory costs a page
 * fault on each page first written) and its buffer stays small enough to keep. While the transport still holds
 * bytes the frames wait in the turn's buffer instead, so that the transport holds one write at a time (Bun's
 * `node:net` copies the writes it queues into one before sending them).
 */
const WRITE_BYTES = 64 * 1024

/** The largest buffer kept for reuse once the transport has written it (per connection). */
const KEEP_BYTES = 256 * 1024

/**
 * The outgoing side of one connection: frames go into the turn's buffer, which is written once, in a microtask
 * after the code that queued them (earlier, when a turn queues `WRITE_BYTES` while the transport is idle). `queued()`
 * counts those bytes and what the transport still holds. A buffer handed to the transport is taken back for the
 * next frames once the transport holds nothing (`buffered()` is 0), so a steady stream allocates nothing.
 */
export class FrameWriter {
  private out: Uint8Array = EMPTY
  private pos = 0
  /** The buffer last handed to the transport, reused once the transport has written it all. */
  private spare: Uint8Array = EMPTY
  private sizeHint = 512
  private scheduled = false
  private closed = false
  private readonly flushNow = () => this.flush()
  /** Frames queued since the start (heartbeats are sent only on links that were otherwise silent). */
  framesWritten = 0

  constructor(private readonly connection: Connection) {}

  /** Bytes waiting: this turn's frames plus the transport's buffer. */
  queued(): number {
    return this.pos + this.connection.buffered()
  }

  /** Reserve a frame of `headerBytes` after the type byte and `body`; returns the header's offset in `out`. */
  private begin(type: number, headerBytes: number, bodyLength: number): number {
    const total = 5 + headerBytes + bodyLength
    if (this.pos >= WRITE_BYTES && this.connection.buffered() === 0) this.write()
    if (this.pos + total > this.out.length) this.grow(total)
    const at = this.pos
    writeU32(this.out, at, 1 + headerBytes + bodyLength)
    this.out[at + 4] = type
    this.pos = at + total
    this.framesWritten++
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(this.flushNow)
    }
    return at + 5
  }

  private grow(needed: number): void {
    if (this.pos === 0 && this.spare.length >= needed && this.connection.buffered() === 0) {
      this.out = this.spare
      this.spare = EMPTY
      return
    }
    let size = Math.max(this.sizeHint, 256)
    while (size < this.pos + needed) size *= 2
    const next = new Uint8Array(size)
    if (this.pos > 0) next.set(this.out.subarray(0, this.pos))
    this.out = next
  }

  /** A frame with no header and the body `body[start, end)`. */
  frame(type: number, body: Uint8Array = EMPTY, start = 0, end = body.length): void {
    const at = this.begin(type, 0, end - start)
    this.out.set(body.subarray(start, end), at)
  }

  /** A frame with a u32 header and the body `body[start, end)`. */
  withId(type: number, id: number, body: Uint8Array = EMPTY, start = 0, end = body.length): void {
    const at = this.begin(type, 4, end - start)
    writeU32(this.out, at, id)
    this.out.set(body.subarray(start, end), at + 4)
  }

  /** A frame with a u32 and a sequence as header and the body `body[start, end)`. */
  withIdSeq(type: number, id: number, seq: number, body: Uint8Array, start = 0, end = body.length): void {
    const at = this.begin(type, 12, end - start)
    writeU32(this.out, at, id)
    writeU32(this.out, at + 4, Math.floor(seq / TWO_32))
    writeU32(this.out, at + 8, seq >>> 0)
    this.out.set(body.subarray(start, end), at + 12)
  }

  /** Write this turn's frames now (the transport takes the buffer; the next frame starts a new one). */
  flush(): void {
    this.scheduled = false
    this.write()
  }

  private write(): void {
    if (this.pos === 0 || this.closed) return
    const bytes = this.out.subarray(0, this.pos)
    // A new buffer is sized like this write, so a steady stream that cannot reuse one allocates once per write.
    this.sizeHint = Math.min(Math.max(512, this.pos * 2), 4 * 1024 * 1024)
    this.spare = this.out.length <= KEEP_BYTES ? this.out : EMPTY
    this.out = EMPTY
    this.pos = 0
    this.connection.write(bytes)
  }

  /** Drop what is not yet written; nothing more is sent. */
  close(): void {
    this.closed = true
    this.out = EMPTY
    this.spare = EMPTY
    this.pos = 0
  }
}

export type FrameFault = "Oversized" | "Malformed"

/**
 * The incoming side: `push` each chunk; `onFrame(bytes, start, end)` sees each whole frame (`bytes[start]` is the
 * type; the view is valid only during the call). A length of 0 or above `maxFrameBytes` calls `onFault` and stops.
 */
export class FrameReader {
  private buffer: Uint8Array = EMPTY
  private have = 0
  private stopped = false

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: (bytes: Uint8Array, start: number, end: number) => void,
    private readonly onFault: (fault: FrameFault, message: string) => void
  ) {}

  /** Bytes of a frame begun and not finished (a truncated frame if the connection closes now). */
  pending(): number {
    return this.have
  }

  stop(): void {
    this.stopped = true
    this.buffer = EMPTY
    this.have = 0
  }

  private checkLength(length: number): boolean {
    if (length === 0) {
      this.fault("Malformed", "frame of length 0")
      return false
    }
    if (length > this.maxFrameBytes) {
      this.fault("Oversized", `frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`)
      return false
    }
    return true
  }

  private fault(fault: FrameFault, message: string): void {
    this.stop()
    this.onFault(fault, message)
  }

  private ensure(size: number): void {
    if (this.buffer.length >= size) return
    const next = new Uint8Array(Math.min(Math.max(size, this.buffer.length * 2, 64 * 1024), this.maxFrameBytes + 4))
    next.set(this.buffer.subarray(0, this.have))
    this.buffer = next
  }

  push(chunk: Uint8Array): void {
    if (this.stopped) return
    const n = chunk.length
    let off = 0
    if (this.have > 0) {
      if (this.have < 4) {
        this.ensure(4)
        const take = Math.min(4 - this.have, n)
        this.buffer.set(chunk.subarray(0, take), this.have)
        this.have += take
        off = take
        if (this.have < 4) return
        if (!this.checkLength(readU32(this.buffer, 0))) return
      }
      const total = 4 + readU32(this.buffer, 0)
      const take = Math.min(total - this.have, n - off)
      // Grown as bytes arrive, not to the length announced: a liar's header costs it nothing here.
      this.ensure(this.have + take)
      this.buffer.set(chunk.subarray(off, off + take), this.have)
      this.have += take
      off += take
      if (this.have < total) return
      this.have = 0
      this.onFrame(this.buffer, 4, total)
      if (this.stopped) return
    }
    while (n - off >= 4) {
      const length = readU32(chunk, off)
      if (!this.checkLength(length)) return
      if (n - off - 4 < length) break
      this.onFrame(chunk, off + 4, off + 4 + length)
      if (this.stopped) return
      off += 4 + length
    }
    if (off < n) {
      this.ensure(Math.max(n - off, 4))
      this.buffer.set(chunk.subarray(off), 0)
      this.have = n - off
    }
  }
}
