/**
 * The live orders of each one-cancels-other group the venue works. Groups are scoped by account, so two accounts
 * that happen to use the same group id are never linked.
 *
 * @since 0.1.0
 */
import type { WorkingOrder } from "./WorkingOrder"

/** One group: its live legs in arrival order, shared by every leg's `oco`. */
export interface OcoGroup {
  readonly key: string
  readonly legs: Array<WorkingOrder>
}

/** Groups by account and group id; a group disappears with its last live leg. */
export class OcoGroups {
  private readonly byKey = new Map<string, OcoGroup>()

  /** Adds a newly arrived order to its group. */
  join(o: WorkingOrder, groupId: string): void {
    const key = `${o.order.accountId}\u0000${groupId}`
    let group = this.byKey.get(key)
    if (group === undefined) {
      group = { key, legs: [] }
      this.byKey.set(key, group)
    }
    group.legs.push(o)
    o.oco = group
  }

  /** Removes a finished order from its group. */
  leave(o: WorkingOrder): void {
    const group = o.oco
    if (group === undefined) return
    o.oco = undefined
    group.legs.splice(group.legs.indexOf(o), 1)
    if (group.legs.length === 0) this.byKey.delete(group.key)
  }
}
