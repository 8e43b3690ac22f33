/**
 * A sequence-numbered stream that subscribers follow and resume: items are numbered 1, 2, 3, ... as they are
 * pushed; the latest `retain` stay readable, so a subscriber that reconnects with the last sequence it processed
 * reads the rest, then follows. Memory is bounded by `retain`.
 *
 * @since 0.1.0
 */
export class EventLog<A> {
  private items: Array<A> = []
  /** Sequence of `items[0]`. */
  private base = 1
  /** Replaced, never changed in place, so that a push iterates it without a copy or an iterator object. */
  private followers: ReadonlyArray<(seq: number, item: A) => void> = []

  constructor(private readonly retain: number) {}

  /** Sequence of the last item pushed (0 before any). */
  get last(): number {
    return this.base + this.items.length - 1
  }

  /** Sequence of the oldest item still readable. */
  get first(): number {
    return this.base
  }

  push(item: A): number {
    this.items.push(item)
    // Dropped in halves, so each push costs O(1) on average.
    if (this.items.length >= 2 * this.retain) {
      const drop = this.items.length - this.retain
      this.items = this.items.slice(drop)
      this.base += drop
    }
    const seq = this.last
    const followers = this.followers
    for (let i = 0; i < followers.length; i++) followers[i]!(seq, item)
    return seq
  }

  /** Up to `max` items from sequence `from` on; undefined when `from` is no longer retained. */
  read(from: number, max: number): ReadonlyArray<A> | undefined {
    if (from < this.base) return undefined
    const start = from - this.base
    return this.items.slice(start, start + max)
  }

  /** Start over from a snapshot's tail: `items` are sequences `first`, `first + 1`, ... (before any follower). */
  restore(first: number, items: ReadonlyArray<A>): void {
    this.items = items.slice(-this.retain)
    this.base = first + items.length - this.items.length
  }

  /** Call `follower` with every item pushed from now on; returns the unsubscribe. */
  follow(follower: (seq: number, item: A) => void): () => void {
    this.followers = [...this.followers, follower]
    let following = true
    return () => {
      if (!following) return
      following = false
      const at = this.followers.indexOf(follower)
      this.followers = [...this.followers.slice(0, at), ...this.followers.slice(at + 1)]
    }
  }
}
