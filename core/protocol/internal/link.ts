/**
 * One connection's machinery shared by both ends: frames in and out, the session's msgpack structures, the
 * outgoing bound, heartbeats and silence, and closing once with a reason.
 */
import { Packr, RESET_BUFFER_MODE, REUSE_BUFFER_MODE, Unpackr } from "msgpackr"
import type { Connection } from "../Transport"
import { FrameReader, FrameType, FrameWriter } from "./frames"
import { type CloseReason, encodeControl } from "./handshake"

export interface Limits {
  readonly maxFrameBytes: number
  readonly maxQueuedBytes: number
  readonly heartbeatMs: number
  readonly deadAfterMs: number
  readonly handshakeTimeoutMs: number
}

export interface LinkHandler {
  /** A whole frame: `bytes[start]` is its type. The view is valid during the call only. */
  readonly frame: (bytes: Uint8Array, start: number, end: number) => void
  /** Called once, when the link closes for any reason. `byPeer`: the peer sent the reason. */
  readonly closed: (reason: CloseReason, message: string, byPeer: boolean) => void
  /** The transport took what was queued; the link may send more. */
  readonly drain: () => void
}

// A fresh object each time: msgpackr keeps its structures on the options object it is given.
const options = () => ({ useRecords: true, sequential: true, mapsAsObjects: true, int64AsType: "number" }) as const

/**
 * Pack into the packer's own buffer and give it back with the message's bounds (`start`, `end`), then pack the next
 * message over the same bytes: the message is copied into its frame at once, so neither a view per message nor a
 * fresh buffer every few kilobytes is needed.
 */
const PACK_IN_PLACE = REUSE_BUFFER_MODE | RESET_BUFFER_MODE

/** What `pack` returns with `REUSE_BUFFER_MODE`: its whole buffer, the message at `[start, end)`. */
interface Packed extends Uint8Array {
  readonly start: number
  readonly end: number
}

export class Link {
  readonly writer: FrameWriter
  readonly reader: FrameReader
  /** Record structures are shared per session: each is sent once, in the first message that uses it. */
  private readonly packr = new Packr(options())
  private readonly unpackr = new Unpackr({ ...options(), copyBuffers: true })
  /**
   * Where the body to decode lies in the bytes given. Decoding in place (not from a view per frame) also lets
   * msgpackr keep the `DataView` it needs on the chunk, for all the frames in it.
   */
  private readonly bounds = { start: 0, end: 0 }
  open = false
  closed = false
  private heard = false
  private quietMs = 0
  private ageMs = 0
  private writtenAtTick = 0

  constructor(
    readonly connection: Connection,
    readonly limits: Limits,
    private readonly handler: LinkHandler
  ) {
    this.writer = new FrameWriter(connection)
    this.reader = new FrameReader(
      limits.maxFrameBytes,
      (bytes, start, end) => {
        this.heard = true
        handler.frame(bytes, start, end)
      },
      (fault, message) => this.close(fault, message)
    )
    connection.listen({
      data: (chunk) => this.reader.push(chunk),
      drain: () => {
        if (!this.closed) handler.drain()
      },
      close: (error) => {
        const pending = this.reader.pending()
        if (pending > 0)
          this.finish("Malformed", `connection closed inside a frame (${pending} bytes of it read)`, true)
        else this.finish("Disconnected", error ?? "connection closed", true)
      }
    })
  }

  /**
   * Encode a message with the session's structures; an unencodable or too large one closes the link and returns
   * `undefined`. The bytes are `[start, end)` of the buffer returned, valid until the next `encode`.
   */
  private encode(value: unknown): Packed | undefined {
    let packed: Packed
    try {
      // With PACK_IN_PLACE, `pack` returns its buffer with the bounds set on it (its typings do not say so).
      packed = this.packr.pack(value, PACK_IN_PLACE) as unknown as Packed
    } catch (cause) {
      this.close("Encode", `cannot encode a message: ${cause instanceof Error ? cause.message : String(cause)}`)
      return undefined
    }
    const length = packed.end - packed.start
    if (length + 13 > this.limits.maxFrameBytes) {
      this.close("Encode", `a message of ${length} bytes exceeds the frame limit of ${this.limits.maxFrameBytes}`)
      return undefined
    }
    return packed
  }

  /** Queue a frame of `type` with a u32 header and `value` as body; false if it could not be encoded. */
  sendWithId(type: number, id: number, value: unknown): boolean {
    const packed = this.encode(value)
    if (packed === undefined) return false
    this.writer.withId(type, id, packed, packed.start, packed.end)
    return true
  }

  /** Queue a frame of `type` with a u32 and a sequence as header and `value` as body; false as `sendWithId`. */
  sendWithIdSeq(type: number, id: number, seq: number, value: unknown): boolean {
    const packed = this.encode(value)
    if (packed === undefined) return false
    this.writer.withIdSeq(type, id, seq, packed, packed.start, packed.end)
    return true
  }

  /** Queue a frame of `type` with `value` as its whole body; false as `sendWithId`. */
  send(type: number, value: unknown): boolean {
    const packed = this.encode(value)
    if (packed === undefined) return false
    this.writer.frame(type, packed, packed.start, packed.end)
    return true
  }

  /** Whether a `what` frame holds its fixed `header` bytes; a shorter one closes the link as malformed. */
  holds(start: number, end: number, header: number, what: string): boolean {
    if (end - start >= header) return true
    this.close("Malformed", `${what} frame too short`)
    return false
  }

  /** Decode a body; a body that is not msgpack closes the link and returns `undefined` with `closed` set. */
  decode(bytes: Uint8Array, start: number, end: number): unknown {
    try {
      this.bounds.start = start
      this.bounds.end = end
      return this.unpackr.unpack(bytes, this.bounds)
    } catch (cause) {
      this.close("Malformed", `undecodable message body: ${cause instanceof Error ? cause.message : String(cause)}`)
      return undefined
    }
  }

  /** Close the outgoing queue's bound check: past it the peer is a slow consumer and is dropped. */
  checkBound(): boolean {
    if (this.writer.queued() <= this.limits.maxQueuedBytes) return true
    this.close("SlowConsumer", `outgoing queue above ${this.limits.maxQueuedBytes} bytes: the peer does not keep up`)
    return false
  }

  /** Heartbeat, dead-peer and handshake timers; called every `heartbeatMs` by the owner's ticker. */
  tick(): void {
    if (this.closed) return
    const { heartbeatMs, deadAfterMs, handshakeTimeoutMs } = this.limits
    this.ageMs += heartbeatMs
    this.quietMs = this.heard ? 0 : this.quietMs + heartbeatMs
    this.heard = false
    if (!this.open && this.ageMs >= handshakeTimeoutMs) {
      this.close("HandshakeTimeout", `no handshake within ${handshakeTimeoutMs} ms`)
      return
    }
    if (this.quietMs >= deadAfterMs) {
      this.close("DeadPeer", `nothing heard for ${this.quietMs} ms`)
      return
    }
    if (this.open && this.writer.framesWritten === this.writtenAtTick) this.writer.frame(FrameType.Heartbeat)
    this.writtenAtTick = this.writer.framesWritten
  }

  /**
   * Close with a reason: the peer gets a Close frame when it can still take one (not when it is dead or does not
   * read), then the connection ends. Later calls do nothing.
   */
  close(reason: CloseReason, message: string): void {
    if (this.closed) return
    const reachable = reason !== "SlowConsumer" && reason !== "DeadPeer"
    this.reader.stop()
    if (reachable) {
      this.writer.frame(FrameType.Close, encodeControl({ reason, message }))
      this.writer.flush()
    }
    this.writer.close()
    if (reachable) this.connection.end()
    else this.connection.destroy()
    this.finish(reason, message, false)
  }

  /** The peer said why it closes. */
  closedByPeer(reason: CloseReason, message: string): void {
    if (this.closed) return
    this.reader.stop()
    this.writer.close()
    this.connection.end()
    this.finish(reason, message, true)
  }

  private finish(reason: CloseReason, message: string, byPeer: boolean): void {
    if (this.closed) return
    this.closed = true
    this.open = false
    this.reader.stop()
    this.writer.close()
    if (byPeer) this.connection.destroy()
    this.handler.closed(reason, message, byPeer)
  }
}
