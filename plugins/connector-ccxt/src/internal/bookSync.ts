/**
 * Keeping a local L2 book in step with the venue's diff-depth stream, as Binance documents it ("How to manage a
 * local order book correctly"): buffer the stream, take a REST snapshot, drop what the snapshot already holds, and
 * from then on accept only the message that continues the last one — spot by `U = previous u + 1`, USD-M futures by
 * `pu = previous u`. An older message (u at or below the book's) is stale and ignored; a gap means resync.
 */
import type { DepthUpdate } from "./parse"

export type Continuity = "spot" | "futures"

/** What to do with a depth message. */
export type Verdict = "buffer" | "apply" | "stale" | "gap"

export class BookSync {
  /** Messages received while waiting for a snapshot. */
  buffer: Array<DepthUpdate> = []
  /** The last update id in the book; undefined while waiting for a snapshot. */
  last: number | undefined = undefined
  /** Whether the next message is the first after a snapshot (the snapshot's id must fall inside it). */
  private first = false
  /** Increases at every resync, so that a snapshot that arrives after a newer resync began is dropped. */
  generation = 0

  constructor(readonly continuity: Continuity) {}

  /** Start over: wait for a snapshot, buffering. Returns the generation the snapshot must carry. */
  resync(): number {
    this.buffer = []
    this.last = undefined
    this.first = false
    return ++this.generation
  }

  /** Judge one stream message; buffered messages are kept here until the snapshot. */
  judge(update: DepthUpdate): Verdict {
    if (this.last === undefined) {
      this.buffer.push(update)
      return "buffer"
    }
    const last = this.last
    if (this.first) {
      if (this.continuity === "futures") {
        if (update.u < last) return "stale"
        if (update.U > last) return "gap"
      } else {
        if (update.u <= last) return "stale"
        if (update.U > last + 1) return "gap"
      }
    } else {
      if (update.u <= last) return "stale"
      if (this.continuity === "futures" ? update.pu !== last : update.U !== last + 1) return "gap"
    }
    this.first = false
    this.last = update.u
    return "apply"
  }

  /**
   * Take a snapshot with `lastUpdateId`: returns the buffered messages to apply after it, in order, or `gap` when
   * the buffer proves the snapshot older than the stream (the caller fetches another).
   */
  snapshot(lastUpdateId: number): ReadonlyArray<DepthUpdate> | "gap" {
    const buffered = this.buffer
    this.buffer = []
    this.last = lastUpdateId
    this.first = true
    const apply: Array<DepthUpdate> = []
    for (const update of buffered) {
      const verdict = this.judge(update)
      if (verdict === "gap") {
        this.last = undefined
        return "gap"
      }
      if (verdict === "apply") apply.push(update)
    }
    return apply
  }
}
