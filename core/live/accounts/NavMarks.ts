/**
 * Each account's NAV at the ends of the hours of the Accounts Service's clock, and just after each deposit or
 * withdrawal: the `navs/<shard>` topic, which the NAV history of the Client Portal is recorded from (`NavRecorder`).
 *
 * They are derived, not journaled: a shard values its accounts when the first input past an hour of its clock
 * arrives, before applying it (nothing but an input changes the NAV, so that is the NAV at the hour's end), and
 * after applying a cash movement. A replay of the journal applies the same inputs in the same order, so it derives
 * the same marks with the same sequence numbers, however fast the inputs came: a replayed feed has every hour end
 * it passed through, where sampling the service's values would miss most.
 *
 * An hour end is marked only for an account whose NAV changed since its last mark, so idle hours (and those that
 * moved only other accounts) add nothing: the NAV stands until the next mark.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, CurrencyCode } from "../../domain/Ids"
import type { Account } from "../../domain/Portfolio"

type Marked = Pick<Account, "id" | "baseCurrency">

/**
 * An account's NAV (minor units of `currency`, which has `decimals` minor digits) as of the service's time `ts`
 * (µs): the last µs of an hour, or a cash movement's time.
 *
 * @since 0.1.0
 * @category models
 */
export const NavMark = Schema.TaggedStruct("NavMark", {
  accountId: AccountId,
  ts: Schema.Number,
  nav: Schema.Number,
  currency: CurrencyCode,
  decimals: Schema.Number
})
export type NavMark = typeof NavMark.Type

/** One hour of the service's clock, in µs. */
export const HOUR_US = 3_600_000_000

/**
 * What a shard needs to derive its marks: the time of the last input applied (0 before any) and each account's
 * last marked NAV. Part of its snapshots, so that a recovery from one derives the marks a full replay would.
 *
 * @since 0.1.0
 * @category models
 */
export interface NavMarkerImage {
  readonly appliedAt: number
  readonly marked: ReadonlyArray<readonly [string, number]>
}

/**
 * Derives a shard's marks from its inputs, in order. `nav(accountId)` reads the engine's equity now.
 *
 * @since 0.1.0
 * @category constructors
 */
export class NavMarker {
  private appliedAt = 0
  private readonly marked = new Map<string, number>()

  constructor(
    private readonly accounts: ReadonlyArray<Marked>,
    private readonly decimals: ReadonlyMap<string, number>,
    private readonly nav: (accountId: Account["id"]) => number,
    private readonly emit: (mark: NavMark) => void
  ) {}

  /** Before an input of time `ts` is applied: mark the hour the last input fell in if `ts` is past it. */
  before(ts: number): void {
    const hour = Math.floor(this.appliedAt / HOUR_US)
    if (this.appliedAt > 0 && Math.floor(ts / HOUR_US) > hour) {
      const end = (hour + 1) * HOUR_US - 1
      for (const account of this.accounts) this.mark(account, end, false)
    }
    this.appliedAt = Math.max(this.appliedAt, ts)
  }

  /** After a deposit or withdrawal of `accountId` at `ts` was applied: the NAV it left. */
  afterCash(accountId: string, ts: number): void {
    const account = this.accounts.find((a) => a.id === accountId)
    if (account !== undefined) this.mark(account, ts, true)
  }

  image(): NavMarkerImage {
    return { appliedAt: this.appliedAt, marked: [...this.marked] }
  }

  restore(image: NavMarkerImage): void {
    this.appliedAt = image.appliedAt
    this.marked.clear()
    for (const [accountId, nav] of image.marked) this.marked.set(accountId, nav)
  }

  private mark(account: Marked, ts: number, always: boolean): void {
    const nav = this.nav(account.id)
    if (!always && this.marked.get(account.id) === nav) return
    this.marked.set(account.id, nav)
    const currency = account.baseCurrency
    this.emit({ _tag: "NavMark", accountId: account.id, ts, nav, currency, decimals: this.decimals.get(currency) ?? 2 })
  }
}
