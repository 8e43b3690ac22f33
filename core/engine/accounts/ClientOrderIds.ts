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
 * The last `size` closed orders with where their id sits (table and slot), so that forgetting one never hashes or
 * probes. Each entry also copies the order's id and n, so that evicting it never reads the (long cold) order.
 * Once full, each push overwrites the oldest.
 */
class KeptRing {
  private readonly records: Array<OrderRecord> = []
  private readonly tables: Array<IdTable<OrderRecord | null>> = []
  private readonly slots: Array<number> = []
  private readonly ids: Array<ClientOrderId> = []
  private readonly seqs: Array<number> = []
  private next = 0
  /** What the last `push` overwrote, when it returned true. */
  evicted: OrderRecord | undefined = undefined
  evictedTable: IdTable<OrderRecord | null> | undefined = undefined
  evictedSlot = 0
  evictedId = "" as ClientOrderId
  evictedSeq = 0

  constructor(private readonly size: number) {}

  /** Add an entry; returns whether the oldest made room (see `evicted…`). */
  push(record: OrderRecord, table: IdTable<OrderRecord | null>, slot: number): boolean {
    if (this.records.length < this.size) {
      this.records.push(record)
      this.tables.push(table)
      this.slots.push(slot)
      this.ids.push(record.clientOrderId)
      this.seqs.push(record.seq)
      return false
    }
    const at = this.next
    this.evicted = this.records[at]
    this.evictedTable = this.tables[at]
    this.evictedSlot = this.slots[at] as number
    this.evictedId = this.ids[at] as ClientOrderId
    this.evictedSeq = this.seqs[at] as number
    this.records[at] = record
    this.tables[at] = table
    this.slots[at] = slot
    this.ids[at] = record.clientOrderId
    this.seqs[at] = record.seq
    this.next = at + 1 === this.size ? 0 : at + 1
    return true
  }
}

/** Ids in use and kept closed orders of one account. */
export class ClientOrderIds {
  /**
   * Ids in use with their open or kept closed order, null for none (held, refused, or closed and forgotten), in two
   * generations: `newer` takes `window` fresh ids, then becomes `older` and the older is dropped whole, but for the
   * ids of orders still open or held, which move on. No id is ever deleted one by one, so closing an order never
   * touches a cold slot.
   */
  private newer = new IdTable<OrderRecord | null>()
  private older = new IdTable<OrderRecord | null>()
  /** Ids `newer` took since it started, carried ones aside. */
  private fresh = 0
  /** The kept closed orders, in the order they closed. */
  private readonly kept: KeptRing
  /** The id `used` checked last and its hash: `use` follows `used` with the same id. */
  private lastId = ""
  private lastHash = 0

  constructor(
    /** A closed or refused id stays in use until at least this many (fewer than twice) more were used; ≥ 1. */
    private readonly window: number,
    /** How many of the latest closed orders stay queryable. */
    private readonly keep: number,
    /** The account's open orders, whose ids (and their held children's) outlive their generation. */
    private readonly open: ReadonlyArray<OrderRecord>
  ) {
    this.kept = new KeptRing(keep)
  }

  /** Whether a client order id is in use: open, held, or closed or refused within the window. */
  used(clientOrderId: ClientOrderId): boolean {
    const hash = this.hash(clientOrderId)
    return this.newer.has(clientOrderId, hash) || this.older.has(clientOrderId, hash)
  }

  /** The order of an id in use, open or kept; null when there is none, undefined when the id is not in use. */
  lookup(clientOrderId: ClientOrderId): OrderRecord | null | undefined {
    const hash = idHash(clientOrderId)
    const record = this.newer.get(clientOrderId, hash)
    return record === undefined ? this.older.get(clientOrderId, hash) : record
  }

  /** Use a fresh id for its (open) order, or (null) for a refused request or an OTO child held by its parent. */
  use(clientOrderId: ClientOrderId, record: OrderRecord | null): void {
    this.enter(clientOrderId, record, this.hash(clientOrderId))
  }

  /**
   * A closed order: its id stays in use for the window from now, and the order is kept.
   * Returns the n of the order forgotten to make room (`record`'s own when `keep` is 0), else 0.
   */
  closedOrder(record: OrderRecord): number {
    const kept = this.keep === 0 ? null : record
    const clientOrderId = record.clientOrderId
    const newer = this.newer
    let slot = record.idSlot
    // Where `use` or a rotation put it, unless the table grew since: then look it up.
    if (newer.holds(slot, clientOrderId) && newer.valueAt(slot) === record) {
      if (kept === null) newer.setAt(slot, null)
    } else slot = this.retire(clientOrderId, kept, idHash(clientOrderId))
    if (kept === null) return record.seq
    const ring = this.kept
    if (!ring.push(record, this.newer, slot)) return 0
    const evicted = ring.evicted as OrderRecord
    const table = ring.evictedTable as IdTable<OrderRecord | null>
    // The id may have been freed, used again and closed again: only its own entry goes.
    const id = ring.evictedId
    if (table.holds(ring.evictedSlot, id)) {
      if (table.valueAt(ring.evictedSlot) === evicted) table.setAt(ring.evictedSlot, null)
    } else this.forget(id, evicted)
    return ring.evictedSeq
  }

  /** A held child dropped or refused on release: its id stays in use for the window from now. */
  dropped(clientOrderId: ClientOrderId): void {
    this.retire(clientOrderId, null, idHash(clientOrderId))
  }

  /** `hash` for the id `used` checked last, else computed. */
  private hash(clientOrderId: ClientOrderId): number {
    if (clientOrderId !== this.lastId) {
      this.lastId = clientOrderId
      this.lastHash = idHash(clientOrderId)
    }
    return this.lastHash
  }

  /**
   * An id in use no longer has an open order, only `kept`; one of the older generation moves to the newer, for a
   * full window. Returns its slot in `newer`.
   */
  private retire(clientOrderId: ClientOrderId, kept: OrderRecord | null, hash: number): number {
    if (this.newer.has(clientOrderId, hash)) return this.newer.set(clientOrderId, kept, hash)
    if (this.older.has(clientOrderId, hash)) this.older.set(clientOrderId, null, hash)
    return this.enter(clientOrderId, kept, hash)
  }

  /** Drop a forgotten closed order from whichever generation still holds it (its slot moved as the table grew). */
  private forget(clientOrderId: ClientOrderId, record: OrderRecord): void {
    const hash = idHash(clientOrderId)
    if (this.newer.get(clientOrderId, hash) === record) this.newer.set(clientOrderId, null, hash)
    else if (this.older.get(clientOrderId, hash) === record) this.older.set(clientOrderId, null, hash)
  }

  private enter(clientOrderId: ClientOrderId, record: OrderRecord | null, hash: number): number {
    if (this.fresh >= this.window) this.rotate()
    const slot = this.newer.set(clientOrderId, record, hash)
    if (record !== null) record.idSlot = slot
    this.fresh++
    return slot
  }

  private rotate(): void {
    const dropped = this.older
    dropped.clear()
    this.older = this.newer
    this.newer = dropped
    this.fresh = 0
    for (const record of this.open) {
      this.carry(record.clientOrderId, record)
      const held = record.held
      if (held !== undefined) for (const child of held.requests) this.carry(child.clientOrderId, null)
    }
  }

  /** Keep an id of the dropped generation in use. */
  private carry(clientOrderId: ClientOrderId, record: OrderRecord | null): void {
    const hash = idHash(clientOrderId)
    if (this.older.has(clientOrderId, hash)) return
    const slot = this.newer.set(clientOrderId, record, hash)
    if (record !== null) record.idSlot = slot
  }
}
