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

/** One generation: the table, and its keys in the order they came (for an image that does not depend on slots). */
class Generation {
  readonly table = new IdTable<Outcome>()
  readonly keys: Array<string> = []

  set(key: string, outcome: Outcome, hash: number): void {
    if (!this.table.has(key, hash)) this.keys.push(key)
    this.table.set(key, outcome, hash)
  }

  clear(): void {
    this.table.clear()
    this.keys.length = 0
  }

  image(): Array<unknown> {
    const out: Array<unknown> = []
    for (const key of this.keys) out.push(key, this.table.get(key))
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
    return this.newer.table.get(key, hash) ?? this.older.table.get(key, hash)
  }

  set(key: string, outcome: Outcome): void {
    if (this.newer.keys.length >= this.size) {
      // The older is dropped; its table is cleared and reused, keeping its slots.
      const dropped = this.older
      dropped.clear()
      this.older = this.newer
      this.newer = dropped
    }
    this.newer.set(key, outcome, this.hash(key))
  }

  image(): WindowImage {
    return [this.newer.image(), this.older.image()]
  }

  restore(image: WindowImage): void {
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
