/** Counters of one connector's venue input, for metrics and tests: what was taken, refused, repaired. */
export interface FeedStats {
  /** Messages received from the venue. */
  messages: number
  /** Messages refused, by reason: not JSON, not the documented shape, off the instrument's grid, unknown symbol. */
  rejected: { json: number; schema: number; units: number; symbol: number }
  /** Book messages older than the book (duplicates, late deliveries), ignored. */
  stale: number
  /** Breaks in the update-id sequence; each starts a resync. */
  gaps: number
  /** Book snapshots taken (the first of each instrument, and one per resync). */
  snapshots: number
  /** Connections opened after the first. */
  reconnects: number
  /** Trades already published, seen again (after a reconnect), dropped. */
  duplicateTrades: number
}

export const emptyStats = (): FeedStats => ({
  messages: 0,
  rejected: { json: 0, schema: 0, units: 0, symbol: 0 },
  stale: 0,
  gaps: 0,
  snapshots: 0,
  reconnects: 0,
  duplicateTrades: 0
})
