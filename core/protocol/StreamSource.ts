/**
 * What a server streams to its subscribers: a log of events numbered 1, 2, 3, ... that can be read from any
 * sequence still held and followed live. The protocol replays `read` from the sequence after the subscriber's last
 * one, paced by the subscriber's socket, then follows `subscribe`; the seam between the two is checked by sequence,
 * so nothing is skipped or sent twice.
 *
 * A service implements it over its journal or event log (the Accounts Service over its WAL); `memory` is one for
 * topics whose recent past is enough (market data), with `publish` numbering each event.
 *
 * @since 0.1.0
 */

export interface StreamEvent {
  readonly seq: number
  readonly value: unknown
}

export interface StreamSource {
  /** The sequence of the last event in the log (0 when it is empty). Synchronous: it is read between events. */
  readonly lastSeq: () => number
  /**
   * Up to `max` events from `fromSeq` on, consecutive and in order. When `fromSeq` is no longer held the first
   * event returned is later than asked: the subscriber is told the stream has a gap (`SubscribeError` "Gap").
   */
  readonly read: (fromSeq: number, max: number) => ReadonlyArray<StreamEvent> | Promise<ReadonlyArray<StreamEvent>>
  /**
   * Call `listener` with each event appended from now on, in sequence, once it is in the log (so `lastSeq` already
   * counts it). Returns the function that stops it.
   */
  readonly subscribe: (listener: (seq: number, value: unknown) => void) => () => void
}

export interface MemoryStream extends StreamSource {
  /** Append an event and tell the listeners; returns its sequence. */
  readonly publish: (value: unknown) => number
}

/** A stream held in memory: the last `retain` events (default 100,000) can be replayed. */
export const memory = (options: { readonly retain?: number; readonly startSeq?: number } = {}): MemoryStream => {
  const retain = options.retain ?? 100_000
  const ring: Array<unknown> = new Array(retain)
  let last = options.startSeq ?? 0
  const floor = last + 1
  const listeners = new Set<(seq: number, value: unknown) => void>()
  return {
    lastSeq: () => last,
    read: (fromSeq, max) => {
      const first = Math.max(fromSeq, last - retain + 1, floor)
      const events: Array<StreamEvent> = []
      for (let seq = first; seq <= last && events.length < max; seq++) {
        events.push({ seq, value: ring[seq % retain] })
      }
      return events
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    publish: (value) => {
      const seq = ++last
      ring[seq % retain] = value
      for (const listener of listeners) listener(seq, value)
      return seq
    }
  }
}
