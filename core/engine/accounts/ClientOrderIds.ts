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
 * The last `size` closed orders, each with a copy of its id and its n, so that finding one never reads the others
 * and evicting one never reads it (it is long cold by then). Once full, each push overwrites the oldest.
 */
class KeptRing {
  private readonly records: Array<OrderRecord> = []
  private readonly ids: Array<ClientOrderId> = []
  private readonly seqs: Array<number> = []
  /** Where the next push goes once full: the oldest entry. */
  private next = 0

  constructor(private readonly size: number) {}

  /** Add a closed order; returns the n of the one it evicted, else 0. */
  push(record: OrderRecord): number {
    if (this.records.length < this.size) {
      this.records.push(record)
      this.ids.push(record.clientOrderId)
      this.seqs.push(record.seq)
      return 0
    }
    const at = this.next
    const evicted = this.seqs[at] as number
    this.records[at] = record
    this.ids[at] = record.clientOrderId
    this.seqs[at] = record.seq
    this.next = at + 1 === this.size ? 0 : at + 1
    return evicted
  }

  /** The latest kept order with this client order id. */
  find(clientOrderId: ClientOrderId): OrderRecord | undefined {
    const n = this.records.length
    for (let k = 1; k <= n; k++) {
      const at = (this.next - k + n) % n
      if (this.ids[at] === clientOrderId) return this.records[at]
    }
    return undefined
  }
}

/** The table entry of an id whose order closed: the order is among the kept ones, or forgotten. */
const CLOSED = "closed"

/**
 * An id's entry: its open order; null for a refused request, a held OTO child or a forgotten order; `CLOSED`.
 */
type Entry = OrderRecord | null | typeof CLOSED

/** Ids in use and kept closed orders of one account. */
export class ClientOrderIds {
  /**
   * Ids in use with their entries, in two generations: `newer` takes `window` fresh ids, then becomes `older` and
   * the older is dropped whole, but for the ids of orders still open or held, which move on. No id is ever deleted
   * one by one, and a closed order's entry is `CLOSED`, not the order: forgetting a kept order touches no table.
   */
  private newer = new IdTable<Entry>()
  private older = new IdTable<Entry>()
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
    const newer = this.newer.get(clientOrderId, hash)
    const entry = newer === undefined ? this.older.get(clientOrderId, hash) : newer
    return entry === CLOSED ? (this.kept.find(clientOrderId) ?? null) : entry
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
    const entry = this.keep === 0 ? null : CLOSED
    const clientOrderId = record.clientOrderId
    const newer = this.newer
    const slot = record.idSlot
    // Where `use` or a rotation put it, unless the table grew since: then look it up.
    if (newer.holds(slot, clientOrderId) && newer.valueAt(slot) === record) newer.setAt(slot, entry)
    else this.retire(clientOrderId, entry, idHash(clientOrderId))
    return entry === null ? record.seq : this.kept.push(record)
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

  /** An id in use no longer has an open order; one of the older generation moves to the newer, for a full window. */
  private retire(clientOrderId: ClientOrderId, entry: Entry, hash: number): void {
    if (this.newer.has(clientOrderId, hash)) {
      this.newer.set(clientOrderId, entry, hash)
      return
    }
    if (this.older.has(clientOrderId, hash)) this.older.set(clientOrderId, null, hash)
    this.enter(clientOrderId, entry, hash)
  }

  private enter(clientOrderId: ClientOrderId, entry: Entry, hash: number): void {
    if (this.fresh >= this.window) this.rotate()
    const slot = this.newer.set(clientOrderId, entry, hash)
    if (entry !== null && entry !== CLOSED) entry.idSlot = slot
    this.fresh++
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
