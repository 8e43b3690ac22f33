/**
 * The client order ids of one account, for the duplicate check and lookups by client order id. An id is in use
 * while its order is open or held by an OTO parent, and once the order closed or was refused, until at least
 * `window` (fewer than twice that) more ids were used on the account; then it is free again. The latest `keep`
 * closed orders stay queryable (a ring). Both windows keep memory and the cost of a check bounded however long the
 * engine runs.
 *
 * @since 0.1.0
 */
import type { ClientOrderId } from "../../domain/Ids"
import { IdTable, idHash } from "./IdTable"
import type { OrderRecord } from "./OrderRecord"

/**
 * The last `size` ids with their hashes, and for each an order and its n: what forgetting it needs, kept beside
 * it so that an eviction never reads the (long cold) order itself. Once full, each push overwrites the oldest.
 */
class IdRing<T> {
  private readonly ids: Array<ClientOrderId> = []
  private readonly items: Array<T> = []
  private hashes = new Int32Array(16)
  private seqs = new Float64Array(16)
  private next = 0
  /** What the last `push` overwrote, when it returned true. */
  evictedId = "" as ClientOrderId
  evictedHash = 0
  evicted: T | undefined = undefined
  evictedSeq = 0

  constructor(private readonly size: number) {}

  /** Add an entry; returns whether the oldest made room (see `evicted…`). */
  push(id: ClientOrderId, hash: number, item: T, seq: number): boolean {
    const n = this.ids.length
    if (n < this.size) {
      if (n === this.hashes.length) this.grow(Math.min(2 * n, this.size))
      this.ids.push(id)
      this.items.push(item)
      this.hashes[n] = hash
      this.seqs[n] = seq
      return false
    }
    const at = this.next
    this.evictedId = this.ids[at] as ClientOrderId
    this.evictedHash = this.hashes[at] as number
    this.evicted = this.items[at]
    this.evictedSeq = this.seqs[at] as number
    this.ids[at] = id
    this.items[at] = item
    this.hashes[at] = hash
    this.seqs[at] = seq
    this.next = at + 1 === this.size ? 0 : at + 1
    return true
  }

  private grow(capacity: number): void {
    const hashes = new Int32Array(capacity)
    hashes.set(this.hashes)
    this.hashes = hashes
    const seqs = new Float64Array(capacity)
    seqs.set(this.seqs)
    this.seqs = seqs
  }
}

/** Ids in use and kept closed orders of one account. */
export class ClientOrderIds {
  /**
   * Ids in use with their open order, null for none (held, refused or closed), in two generations: `newer` takes
   * `window` fresh ids, then becomes `older` and the older is dropped whole, but for the ids of orders still open
   * or held, which move on. No id is ever deleted one by one, so closing an order never touches a cold slot.
   */
  private newer = new IdTable<OrderRecord | null>()
  private older = new IdTable<OrderRecord | null>()
  /** Ids `newer` took since it started, carried ones aside. */
  private fresh = 0
  /** The kept closed orders by client order id, and in the order they closed. */
  private readonly closed = new IdTable<OrderRecord>()
  private readonly kept: IdRing<OrderRecord>

  constructor(
    /** A closed or refused id stays in use until at least this many (fewer than twice) more were used; ≥ 1. */
    private readonly window: number,
    /** How many of the latest closed orders stay queryable. */
    private readonly keep: number,
    /** The account's open orders, whose ids (and their held children's) outlive their generation. */
    private readonly open: ReadonlyArray<OrderRecord>
  ) {
    this.kept = new IdRing(keep)
  }

  /** Whether a client order id is in use: open, held, or closed or refused within the window. */
  used(clientOrderId: ClientOrderId): boolean {
    const hash = idHash(clientOrderId)
    return this.newer.has(clientOrderId, hash) || this.older.has(clientOrderId, hash)
  }

  /** The order of an id in use, open or kept; null when there is none, undefined when the id is not in use. */
  lookup(clientOrderId: ClientOrderId): OrderRecord | null | undefined {
    const hash = idHash(clientOrderId)
    let record = this.newer.get(clientOrderId, hash)
    if (record === undefined) record = this.older.get(clientOrderId, hash)
    return record === null ? (this.closed.get(clientOrderId, hash) ?? null) : record
  }

  /** Use a fresh id for its (open) order, or (null) for a refused request or an OTO child held by its parent. */
  use(clientOrderId: ClientOrderId, record: OrderRecord | null): void {
    this.enter(clientOrderId, record, idHash(clientOrderId))
  }

  /**
   * A closed order: its id stays in use for the window from now, and the order is kept.
   * Returns the n of the order forgotten to make room (`record`'s own when `keep` is 0), else 0.
   */
  closedOrder(record: OrderRecord): number {
    const clientOrderId = record.order.clientOrderId
    const hash = idHash(clientOrderId)
    this.retire(clientOrderId, hash)
    if (this.keep === 0) return record.seq
    this.closed.set(clientOrderId, record, hash)
    const kept = this.kept
    if (!kept.push(clientOrderId, hash, record, record.seq)) return 0
    // The id may have been freed, used again and closed again: only its own entry goes.
    this.closed.delete(kept.evictedId, kept.evictedHash, kept.evicted)
    return kept.evictedSeq
  }

  /** A held child dropped or refused on release: its id stays in use for the window from now. */
  dropped(clientOrderId: ClientOrderId): void {
    this.retire(clientOrderId, idHash(clientOrderId))
  }

  /** An id in use no longer has an open order; one of the older generation moves to the newer, for a full window. */
  private retire(clientOrderId: ClientOrderId, hash: number): void {
    if (this.newer.has(clientOrderId, hash)) this.newer.set(clientOrderId, null, hash)
    else {
      if (this.older.has(clientOrderId, hash)) this.older.set(clientOrderId, null, hash)
      this.enter(clientOrderId, null, hash)
    }
  }

  private enter(clientOrderId: ClientOrderId, record: OrderRecord | null, hash: number): void {
    if (this.fresh >= this.window) this.rotate()
    this.newer.set(clientOrderId, record, hash)
    this.fresh++
  }

  private rotate(): void {
    const dropped = this.older
    this.older = this.newer
    this.newer = new IdTable(dropped.capacity)
    this.fresh = 0
    for (const record of this.open) {
      this.carry(record.order.clientOrderId, record)
      const held = record.held
      if (held !== undefined) for (const child of held.requests) this.carry(child.clientOrderId, null)
    }
  }

  /** Keep an id of the dropped generation in use. */
  private carry(clientOrderId: ClientOrderId, record: OrderRecord | null): void {
    const hash = idHash(clientOrderId)
    if (!this.older.has(clientOrderId, hash)) this.newer.set(clientOrderId, record, hash)
  }
}
