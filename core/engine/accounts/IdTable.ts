/**
 * A hash table of string ids for the duplicate check: open addressing with linear probing (at most 3/4 full;
 * deletion shifts the entries after the removed one back, so no tombstones build up), over a 32-bit FNV-1a hash of the
 * id. A lookup that misses — the common case, a fresh id — reads one run of an `Int32Array` of hashes and never the
 * stored strings, which keeps it cache-friendly at tens of thousands of ids, where a `Map` chases pointers and a
 * churning `Map` rehashes and allocates.
 *
 * @since 0.1.0
 */

/** FNV-1a of the UTF-16 code units, never 0 (0 marks an empty slot). */
export const idHash = (id: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  return h === 0 ? 1 : h | 0
}

/** Ids mapped to values; `hash` arguments are `idHash(id)`, for callers that already have it. */
export class IdTable<V> {
  private hashes: Int32Array
  private keys: Array<string | undefined>
  private values: Array<V | undefined>
  private mask: number
  private count = 0
  /**
   * The id `has` missed last and the empty slot where it would go; valid while that slot stays empty and the
   * table neither grows nor clears (ids never move otherwise, so the slots before it stay full).
   */
  private missedId: string | undefined = undefined
  private missedSlot = 0

  /** `capacity`: a power of two, the slots to start with (it doubles when 3/4 full). */
  constructor(capacity = 16) {
    this.hashes = new Int32Array(capacity)
    this.keys = new Array<string | undefined>(capacity).fill(undefined)
    this.values = new Array<V | undefined>(capacity).fill(undefined)
    this.mask = capacity - 1
  }

  /** Slots allocated. */
  get capacity(): number {
    return this.hashes.length
  }

  /** Ids held. */
  get size(): number {
    return this.count
  }

  has(id: string, hash = idHash(id)): boolean {
    const slot = this.slotOf(id, hash)
    if (slot >= 0) return true
    this.missedId = id
    this.missedSlot = -1 - slot
    return false
  }

  get(id: string, hash = idHash(id)): V | undefined {
    const slot = this.slotOf(id, hash)
    return slot < 0 ? undefined : this.values[slot]
  }

  /** Add an id or change its value; returns its slot, valid until the table grows (see `holds`). */
  set(id: string, value: V, hash = idHash(id)): number {
    // A fresh id is set right after `has` missed it (the duplicate check): its empty slot is known.
    let slot = id === this.missedId && this.hashes[this.missedSlot] === 0 ? -1 - this.missedSlot : this.slotOf(id, hash)
    if (slot < 0) {
      if (4 * (this.count + 1) > 3 * this.hashes.length) {
        this.grow()
        slot = this.slotOf(id, hash)
      }
      slot = -1 - slot
      this.hashes[slot] = hash
      this.keys[slot] = id
      this.count++
    }
    this.values[slot] = value
    return slot
  }

  /** Whether `slot` (from `set`) still holds `id`: ids move only when the table grows or an id is deleted. */
  holds(slot: number, id: string): boolean {
    return this.keys[slot] === id
  }

  /** The value at a slot that `holds` its id. */
  valueAt(slot: number): V {
    return this.values[slot] as V
  }

  /** Change the value at a slot that `holds` its id. */
  setAt(slot: number, value: V): void {
    this.values[slot] = value
  }

  /** Remove `id` if held. */
  delete(id: string, hash = idHash(id)): void {
    const slot = this.slotOf(id, hash)
    if (slot >= 0) this.deleteAt(slot)
  }

  /**
   * Remove the id at a slot that `holds` it, then move back each later id of the run that its own probe would
   * otherwise no longer reach (backward-shift deletion: lookups stay exact, no tombstones).
   */
  deleteAt(slot: number): void {
    const { hashes, keys, values, mask } = this
    let hole = slot
    for (let i = (slot + 1) & mask; hashes[i] !== 0; i = (i + 1) & mask) {
      const home = (hashes[i] as number) & mask
      // The id at i stays unless the hole lies on its probe path, from its home slot to i.
      const reaches = hole <= i ? home <= hole || home > i : home <= hole && home > i
      if (!reaches) continue
      hashes[hole] = hashes[i] as number
      keys[hole] = keys[i]
      values[hole] = values[i]
      hole = i
    }
    hashes[hole] = 0
    keys[hole] = undefined
    values[hole] = undefined
    this.count--
    // A miss remembered before may now belong in an earlier slot.
    this.missedId = undefined
  }

  /** Call `f` with each id, its value and its hash, in slot order. `f` must not change this table. */
  forEach(f: (id: string, value: V, hash: number) => void): void {
    const { hashes, keys, values } = this
    for (let i = 0; i < hashes.length; i++)
      if (hashes[i] !== 0) f(keys[i] as string, values[i] as V, hashes[i] as number)
  }

  /** Forget every id, keeping the slots (cheaper than a new table of the same size: no garbage). */
  clear(): void {
    this.hashes.fill(0)
    this.keys.fill(undefined)
    this.values.fill(undefined)
    this.count = 0
    this.missedId = undefined
  }

  /** The slot holding `id`, else -1 - the empty slot where it would go. */
  private slotOf(id: string, hash: number): number {
    const { hashes, mask } = this
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const stored = hashes[i] as number
      if (stored === 0) return -1 - i
      if (stored === hash && this.keys[i] === id) return i
    }
  }

  private grow(): void {
    const { hashes, keys, values } = this
    const capacity = hashes.length * 2
    const mask = capacity - 1
    const newHashes = new Int32Array(capacity)
    const newKeys = new Array<string | undefined>(capacity).fill(undefined)
    const newValues = new Array<V | undefined>(capacity).fill(undefined)
    for (let i = 0; i < hashes.length; i++) {
      const hash = hashes[i] as number
      if (hash === 0) continue
      // Every id is distinct: its slot is the first empty one of its run, found from the hashes alone.
      let slot = hash & mask
      while (newHashes[slot] !== 0) slot = (slot + 1) & mask
      newHashes[slot] = hash
      newKeys[slot] = keys[i]
      newValues[slot] = values[i]
    }
    this.hashes = newHashes
    this.keys = newKeys
    this.values = newValues
    this.mask = mask
    this.missedId = undefined
  }
}
