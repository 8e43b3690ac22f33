/**
 * The outcomes a shard answers resends from: a submission's by its account and client order id, any other input's
 * by its request id. Each window holds its latest `size` keys (up to twice that) in two generations: the newer
 * takes `size` keys, then becomes the older and the older is dropped whole. No key is deleted one by one and no key
 * is built by concatenation, so remembering an outcome costs a hash, a lookup and an insert per input (an `IdTable`,
 * about twice as fast as a `Map` of that size).
 */
import { IdTable, idHash } from "../../../engine/accounts/IdTable"
import type { Outcome } from "../AccountsShard"

/** A window's state as a snapshot holds it: keys and outcomes of each generation in the order they came. */
export type WindowImage = readonly [newer: ReadonlyArray<unknown>, older: ReadonlyArray<unknown>]

/**
 * One generation: the table maps each key to its place in arrival order (a small integer, no object). An outcome is
 * kept as its sequence and, for the common one (accepted with one order), just that order's id — a string the
 * engine holds anyway — so that remembering a submission leaves no object of its own for the garbage collector to
 * copy and mark; any other outcome is kept as it is.
 */
class Generation {
  readonly table = new IdTable<number>()
  readonly keys: Array<string> = []
  private readonly seqs: Array<number> = []
  private readonly details: Array<string | Outcome> = []

  /** The outcome of the key at `place`, as it was remembered. */
  outcomeAt(place: number): Outcome {
    const detail = this.details[place]!
    return typeof detail === "string" ? { _tag: "Accepted", seq: this.seqs[place]!, orderIds: [detail] } : detail
  }

  get(key: string, hash: number): Outcome | undefined {
    const place = this.table.get(key, hash)
    return place === undefined ? undefined : this.outcomeAt(place)
  }

  /** Remember `outcome` for `key`, which this generation does not hold (its table's last `has` missed it). */
  add(key: string, outcome: Outcome, hash: number): void {
    const place = this.keys.length
    this.table.set(key, place, hash)
    this.keys.push(key)
    this.seqs.push(outcome.seq)
    this.details.push(outcome._tag === "Accepted" && outcome.orderIds.length === 1 ? outcome.orderIds[0]! : outcome)
  }

  set(key: string, outcome: Outcome, hash: number): void {
    const place = this.table.get(key, hash)
    if (place === undefined) {
      this.add(key, outcome, hash)
      return
    }
    this.seqs[place] = outcome.seq
    this.details[place] = outcome._tag === "Accepted" && outcome.orderIds.length === 1 ? outcome.orderIds[0]! : outcome
  }

  clear(): void {
    this.table.clear()
    this.keys.length = 0
    this.seqs.length = 0
    this.details.length = 0
  }

  image(): Array<unknown> {
    const out: Array<unknown> = []
    for (let place = 0; place < this.keys.length; place++) out.push(this.keys[place], this.outcomeAt(place))
    return out
  }

  restore(items: ReadonlyArray<unknown>): void {
    this.clear()
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i] as string
      this.set(key, items[i + 1] as Outcome, idHash(key))
    }
  }
}

class Generations {
  private newer = new Generation()
  private older = new Generation()

  /** The key `get` hashed last: `set` follows `get` with the same key. */
  private lastKey = ""
  private lastHash = idHash("")
  /** The key `get` found in neither generation last: a `set` of it adds without looking it up again. */
  private missed: string | undefined = undefined

  constructor(private readonly size: number) {}

  private hash(key: string): number {
    if (key !== this.lastKey) {
      this.lastKey = key
      this.lastHash = idHash(key)
    }
    return this.lastHash
  }

  get(key: string): Outcome | undefined {
    const hash = this.hash(key)
    // `has` first: a miss (a fresh id, nearly always) leaves the newer table knowing where `set` puts it.
    const found = this.newer.table.has(key, hash) ? this.newer.get(key, hash) : this.older.get(key, hash)
    this.missed = found === undefined ? key : undefined
    return found
  }

  set(key: string, outcome: Outcome): void {
    let absent = key === this.missed
    this.missed = undefined
    if (this.newer.keys.length >= this.size) {
      // The older is dropped; its table is cleared and reused, keeping its slots.
      const dropped = this.older
      dropped.clear()
      this.older = this.newer
      this.newer = dropped
      absent = true
    }
    if (absent) this.newer.add(key, outcome, this.hash(key))
    else this.newer.set(key, outcome, this.hash(key))
  }

  image(): WindowImage {
    return [this.newer.image(), this.older.image()]
  }

  restore(image: WindowImage): void {
    this.missed = undefined
    this.newer.restore(image[0])
    this.older.restore(image[1])
  }
}

/** A submission to an account the shard does not hold (refused): one window for all, so clients add none. */
const strangerKey = (accountId: string, clientOrderId: string): string => `${accountId}\u0000${clientOrderId}`

/** The outcomes of the latest `perAccount` submissions of each account and `requests` request ids (at least). */
export class OutcomeWindow {
  private readonly accounts = new Map<string, Generations>()
  private readonly requests: Generations
  private readonly strangers: Generations

  constructor(accountIds: ReadonlyArray<string>, perAccount: number, requests: number) {
    for (const id of accountIds) this.accounts.set(id, new Generations(perAccount))
    this.requests = new Generations(requests)
    this.strangers = new Generations(perAccount)
  }

  /** The outcome of a submission to `accountId` with this client order id, if the window holds it. */
  submission(accountId: string, clientOrderId: string): Outcome | undefined {
    const generations = this.accounts.get(accountId)
    return generations === undefined
      ? this.strangers.get(strangerKey(accountId, clientOrderId))
      : generations.get(clientOrderId)
  }

  /** The outcome of the input with this request id, if the window holds it. */
  request(requestId: string): Outcome | undefined {
    return this.requests.get(requestId)
  }

  rememberSubmission(accountId: string, clientOrderId: string, outcome: Outcome): void {
    const generations = this.accounts.get(accountId)
    if (generations === undefined) this.strangers.set(strangerKey(accountId, clientOrderId), outcome)
    else generations.set(clientOrderId, outcome)
  }

  rememberRequest(requestId: string, outcome: Outcome): void {
    this.requests.set(requestId, outcome)
  }

  /** Equal windows, equal images: the accounts in their configured order, keys in the order they came. */
  image(): ReadonlyArray<unknown> {
    const image: Array<unknown> = [this.requests.image(), this.strangers.image()]
    for (const generations of this.accounts.values()) image.push(generations.image())
    return image
  }

  /** Start from an image of a window over the same accounts. */
  restore(image: ReadonlyArray<unknown>): void {
    this.requests.restore(image[0] as WindowImage)
    this.strangers.restore(image[1] as WindowImage)
    let i = 2
    for (const generations of this.accounts.values()) generations.restore(image[i++] as WindowImage)
  }
}
