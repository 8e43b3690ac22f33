/**
 * The lockstep barrier of docs/live-session.md, as state: the `Done` each participant service sent last, and the
 * settled watermark (the last event every venue participant processed). Done is not persisted: participants resend
 * their last one when they reconnect. Any session of a participant service counts for the service.
 */
import type { MarketDataEvent } from "../../../domain/MarketData"
import type { StreamSource } from "../../../protocol/StreamSource"
import type { EventLog } from "../../accounts/EventLog"

export interface LockstepParticipants {
  readonly venue: ReadonlyArray<string>
  readonly strategies: ReadonlyArray<string>
}

export class Lockstep {
  private readonly venueDone = new Map<string, number>()
  private readonly strategiesDone = new Map<string, number>()
  private settledSeq: number
  private readonly followers = new Set<(seq: number, value: unknown) => void>()
  private readonly waiters = new Set<() => void>()

  /**
   * `recovered` events were journaled before a restart. The service journals event `i` only once every strategies
   * participant is done with `i - 1`, so everyone was through `recovered - 1`: that much is settled already.
   */
  constructor(
    participants: LockstepParticipants,
    private readonly log: EventLog<MarketDataEvent>,
    recovered: number
  ) {
    const through = Math.max(0, recovered - 1)
    for (const service of participants.venue) this.venueDone.set(service, through)
    for (const service of participants.strategies) this.strategiesDone.set(service, through)
    this.settledSeq = Math.min(through, log.last)
  }

  /** Whether `service` takes part in the barrier. */
  isParticipant(service: string): boolean {
    return this.venueDone.has(service) || this.strategiesDone.has(service)
  }

  /** `service` processed everything through `seq`. */
  done(service: string, seq: number): void {
    for (const done of [this.venueDone, this.strategiesDone]) {
      const last = done.get(service)
      if (last !== undefined && seq > last) done.set(service, seq)
    }
    this.settle()
    this.wake()
  }

  /** An event was published on `market-data`: with no venue participant it is settled at once. */
  published(): void {
    this.settle()
    this.wake()
  }

  /** The last event published on `market-data/settled`. */
  get settled(): number {
    return this.settledSeq
  }

  /** Whether event `seq` may be journaled and published: every strategies participant is done with the one before. */
  mayPublish(seq: number): boolean {
    return seq === 1 || (this.settledSeq >= seq - 1 && least(this.strategiesDone) >= seq - 1)
  }

  /** Whether every participant is done with `seq`. */
  allDone(seq: number): boolean {
    return this.settledSeq >= seq && least(this.strategiesDone) >= seq
  }

  /** Call `waiter` once, at the next change. */
  onChange(waiter: () => void): () => void {
    this.waiters.add(waiter)
    return () => this.waiters.delete(waiter)
  }

  /** `market-data/settled`: the events of `market-data` up to the settled watermark. */
  readonly stream: StreamSource = {
    lastSeq: () => this.settledSeq,
    read: (fromSeq, max) => {
      const from = Math.max(fromSeq, this.log.first)
      const events = this.log.read(from, Math.max(0, Math.min(max, this.settledSeq - from + 1))) ?? []
      return events.map((value, i) => ({ seq: from + i, value }))
    },
    subscribe: (listener) => {
      this.followers.add(listener)
      return () => this.followers.delete(listener)
    }
  }

  private settle(): void {
    const through = Math.min(least(this.venueDone), this.log.last)
    while (this.settledSeq < through) {
      const seq = ++this.settledSeq
      const value = this.log.read(seq, 1)?.[0]
      for (const follower of this.followers) follower(seq, value)
    }
  }

  private wake(): void {
    const waiters = [...this.waiters]
    this.waiters.clear()
    for (const waiter of waiters) waiter()
  }
}

const least = (done: ReadonlyMap<string, number>): number => {
  let min = Number.POSITIVE_INFINITY
  for (const seq of done.values()) min = Math.min(min, seq)
  return min
}
