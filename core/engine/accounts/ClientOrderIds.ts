/**
 * The client order ids of one account, for the duplicate check and lookups by client order id. An id is in use
 * while its order is open or held by an OTO parent, and once the order closed or was refused, until at least
 * `window` (fewer than twice that) more ids were used on the account; then it is free again. The latest `keep`
 * closed orders stay queryable (a ring). Both windows keep memory and the cost of a check bounded however long the
 * engine runs, and no step costs more than O(1) amortized however many orders stay open.
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
/** The table entry of an OTO child its parent holds. */
const HELD = "held"

/**
 * An id's entry: its open order; `HELD`; null for a refused request, a dropped child or a forgotten order; `CLOSED`.
 */
type Entry = OrderRecord | null | typeof CLOSED | typeof HELD

/** Ids in use and kept closed orders of one account. */
export class ClientOrderIds {
  /**
   * Ids in use with their entries, in two generations: `newer` takes `window` fresh ids, then becomes `older` and
   * the older is dropped whole, but for the ids of orders still open or held, which move to `live`. A closed
   * order's entry is `CLOSED`, not the order: forgetting a kept order touches no table.
   */
  private newer = new IdTable<Entry>()
  private older = new IdTable<Entry>()
  /**
   * The ids of orders open (or children held) longer than their generation: each moves here once, when its
   * generation is dropped, and leaves when its order closes. So a new generation costs a scan of the one dropped,
   * never a copy of every open order.
   */
  private readonly live = new IdTable<OrderRecord | typeof HELD>()
  /** Children held anywhere: while there are none, `use` need not look for a hold to end. */
  private holds = 0
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
    private readonly keep: number
  ) {
    this.kept = new KeptRing(keep)
  }

  /** Whether a client order id is in use: open, held, or closed or refused within the window. */
  used(clientOrderId: ClientOrderId): boolean {
    const hash = this.hash(clientOrderId)
    return (
      this.newer.has(clientOrderId, hash) ||
      this.older.has(clientOrderId, hash) ||
      (this.live.size > 0 && this.live.has(clientOrderId, hash))
    )
  }

  /** The order of an id in use, open or kept; null when there is none, undefined when the id is not in use. */
  lookup(clientOrderId: ClientOrderId): OrderRecord | null | undefined {
    const hash = idHash(clientOrderId)
    const newer = this.newer.get(clientOrderId, hash)
    const older = newer === undefined ? this.older.get(clientOrderId, hash) : newer
    const entry = older === undefined ? this.live.get(clientOrderId, hash) : older
    if (entry === CLOSED) return this.kept.find(clientOrderId) ?? null
    return entry === HELD ? null : entry
  }

  /** Use a fresh id for its (open) order, or (null) for a refused request; a held child's when it is released. */
  use(clientOrderId: ClientOrderId, record: OrderRecord | null): void {
    const hash = this.hash(clientOrderId)
    if (this.holds > 0 && record !== null) this.unhold(clientOrderId, hash)
    this.enter(clientOrderId, record, hash)
  }

  /** Use a fresh id for an OTO child its parent holds: in use while held, then as its order's or dropped. */
  hold(clientOrderId: ClientOrderId): void {
    this.holds++
    this.enter(clientOrderId, HELD, this.hash(clientOrderId))
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
    // Where `use` put it, unless the table grew or the id moved on since: then look it up.
    if (newer.holds(slot, clientOrderId) && newer.valueAt(slot) === record) newer.setAt(slot, entry)
    else this.retire(clientOrderId, entry, idHash(clientOrderId))
    return entry === null ? record.seq : this.kept.push(record)
  }

  /** A held child dropped or refused on release: its id stays in use for the window from now. */
  dropped(clientOrderId: ClientOrderId): void {
    const hash = idHash(clientOrderId)
    this.unhold(clientOrderId, hash)
    this.retire(clientOrderId, null, hash)
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
   * An id in use no longer has an open order (or a held child): one of the older generation or of `live` moves to
   * the newer, for a full window.
   */
  private retire(clientOrderId: ClientOrderId, entry: Entry, hash: number): void {
    if (this.newer.has(clientOrderId, hash)) {
      this.newer.set(clientOrderId, entry, hash)
      return
    }
    if (this.older.has(clientOrderId, hash)) this.older.set(clientOrderId, null, hash)
    else this.live.delete(clientOrderId, hash)
    this.enter(clientOrderId, entry, hash)
  }

  /** A held child is released or dropped: its hold ends wherever it is. */
  private unhold(clientOrderId: ClientOrderId, hash: number): void {
    for (const table of [this.newer, this.older] as const) {
      if (table.get(clientOrderId, hash) !== HELD) continue
      table.set(clientOrderId, null, hash)
      this.holds--
      return
    }
    if (this.live.get(clientOrderId, hash) !== HELD) return
    this.live.delete(clientOrderId, hash)
    this.holds--
  }

  private enter(clientOrderId: ClientOrderId, entry: Entry, hash: number): void {
    if (this.fresh >= this.window) this.rotate()
    const slot = this.newer.set(clientOrderId, entry, hash)
    if (typeof entry === "object" && entry !== null) entry.idSlot = slot
    this.fresh++
  }

  private rotate(): void {
    const dropped = this.older
    // What is still open or held in the generation dropped moves to `live`: a scan of that table, not of the orders.
    dropped.forEach((clientOrderId, entry, hash) => {
      if (entry === null || entry === CLOSED) return
      const slot = this.live.set(clientOrderId, entry, hash)
      if (entry !== HELD) entry.idSlot = slot
    })
    dropped.clear()
    this.older = this.newer
    this.newer = dropped
    this.fresh = 0
  }
}
