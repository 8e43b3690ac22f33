/**
 * Reconciliation on start (#18): what the venue holds (`VenueState`) against what the Accounts Service was told
 * (`VenueView`), every difference reported and resolved by rule, never silently:
 *
 * - **Fills: the venue wins.** A venue fill of an order sent here that the Accounts Service never got is applied,
 *   as the execution report it would have been (same trade id, so it is booked once). A fill of an order the
 *   platform never sent here is reported and not applied.
 * - **Orders the venue no longer has open** (and whose fills do not close them): an order it had accepted is
 *   closed as canceled; one it never acknowledged is sent again — a command lost between the journal and the wire
 *   reaches the venue after all, and one that did reach it is refused as a duplicate client order id (connectors
 *   send the platform's order id as the venue's client order id), which closes it as rejected.
 * - **Orders open at the venue**: one never acknowledged here is accepted (`VenueAccepted`); a quantity left that
 *   differs, one closed here, and one the platform did not place are reported and left alone for the operator.
 * - **Balances** the venue reports for a platform account that differ from the Accounts Service's cash are
 *   reported; cash is the Accounts Service's to book, never changed here.
 *
 * @since 0.1.0
 */
import type { ExecutionCommand, ExecutionReport } from "../../domain/Commands"
import { timestamp } from "../../domain/Units"
import type { VenueBalance, VenueFill, VenueOpenOrder } from "./VenueState"
import type { VenueView } from "./VenueView"

/** One difference between the venue and the Accounts Service, with how it was resolved. */
export interface Difference {
  readonly kind:
    | "missing-fill"
    | "unknown-fill"
    | "missing-accept"
    | "closed-at-venue"
    | "resent"
    | "leaves"
    | "open-at-venue"
    | "unknown-order"
    | "balance"
  /** One line for the log and `meridian status`: which order or currency, both sides, and the resolution. */
  readonly detail: string
}

/** What the venue answered. */
export interface VenueHoldings {
  readonly openOrders: ReadonlyArray<VenueOpenOrder>
  readonly fills: ReadonlyArray<VenueFill>
  readonly balances: ReadonlyArray<VenueBalance>
}

/** The rule's outcome: reports to journal and forward, commands to send the venue again, and every difference. */
export interface Resolution {
  readonly reports: ReadonlyArray<ExecutionReport>
  readonly resend: ReadonlyArray<ExecutionCommand>
  readonly differences: ReadonlyArray<Difference>
}

/** Since when the venue's fills matter: the oldest order still working here (none: no fill can be missing). */
export const fillsSince = (view: VenueView): number | undefined => {
  let since: number | undefined
  for (const order of view.open()) since = since === undefined ? order.submit.ts : Math.min(since, order.submit.ts)
  return since
}

/**
 * Apply the rules. `cash(accountId, currency)` is the Accounts Service's cash total in minor units, undefined when
 * it holds no such account or currency; `now` (µs) stamps the reports the rules make.
 */
export const resolve = (
  view: VenueView,
  venue: VenueHoldings,
  cash: (accountId: string, currency: string) => number | undefined,
  now: number
): Resolution => {
  const reports: Array<ExecutionReport> = []
  const resend: Array<ExecutionCommand> = []
  const differences: Array<Difference> = []
  const ts = timestamp(now)

  const filledNow = new Map<string, number>()
  const seen = new Set<string>()
  for (const fill of venue.fills) {
    if (view.hasTrade(fill.tradeId) || seen.has(fill.tradeId)) continue
    seen.add(fill.tradeId)
    const order = view.get(fill.accountId, fill.orderId)
    if (order === undefined) {
      // Closed here with its fills booked, or never sent here: only the second is a difference.
      if (view.knows(fill.accountId, fill.orderId)) continue
      differences.push({
        kind: "unknown-fill",
        detail: `fill ${fill.tradeId} of ${fill.accountId}/${fill.orderId} (${fill.quantity} @ ${fill.price}): not an order sent here; not applied`
      })
      continue
    }
    reports.push(fill)
    const key = `${fill.accountId}/${fill.orderId}`
    filledNow.set(key, (filledNow.get(key) ?? order.filled) + fill.quantity)
    differences.push({
      kind: "missing-fill",
      detail: `fill ${fill.tradeId} of ${key} (${fill.quantity} @ ${fill.price}): at the venue only; applied`
    })
  }

  const openAtVenue = new Map<string, VenueOpenOrder>()
  for (const open of venue.openOrders) {
    if (open.orderId === undefined || open.accountId === undefined) {
      differences.push({
        kind: "unknown-order",
        detail: `venue order ${open.venueOrderId} (${open.side} ${open.leavesQuantity} ${open.instrumentId}): not placed by the platform; left alone`
      })
      continue
    }
    const key = `${open.accountId}/${open.orderId}`
    openAtVenue.set(key, open)
    if (view.get(open.accountId, open.orderId) !== undefined) continue
    differences.push(
      view.knows(open.accountId, open.orderId)
        ? {
            kind: "open-at-venue",
            detail: `${key} (venue ${open.venueOrderId}, ${open.leavesQuantity} left): closed here, open at the venue; left for the operator`
          }
        : {
            kind: "unknown-order",
            detail: `${key} (venue ${open.venueOrderId}, ${open.leavesQuantity} left): never sent here; left alone`
          }
    )
  }

  for (const order of view.open()) {
    const { accountId, orderId, instrumentId } = order.submit.order
    const key = `${accountId}/${orderId}`
    const filled = filledNow.get(key) ?? order.filled
    if (filled >= order.quantity) continue
    const open = openAtVenue.get(key)
    if (open === undefined) {
      if (order.acked) {
        reports.push({ _tag: "VenueCanceled", accountId, orderId, ts })
        differences.push({
          kind: "closed-at-venue",
          detail: `${key} (${instrumentId}, ${order.quantity - filled} left): no longer open at the venue; closed as canceled`
        })
      } else {
        resend.push(order.submit)
        differences.push({
          kind: "resent",
          detail: `${key} (${instrumentId}): never acknowledged and not at the venue; sent again (a duplicate is refused by its client order id)`
        })
      }
      continue
    }
    if (!order.acked) {
      reports.push({ _tag: "VenueAccepted", accountId, orderId, venueOrderId: open.venueOrderId, ts })
      differences.push({
        kind: "missing-accept",
        detail: `${key}: open at the venue as ${open.venueOrderId}, never acknowledged here; accepted`
      })
    }
    if (open.leavesQuantity !== order.quantity - filled) {
      differences.push({
        kind: "leaves",
        detail: `${key}: ${order.quantity - filled} left here, ${open.leavesQuantity} at the venue; left for the operator`
      })
    }
  }

  for (const balance of venue.balances) {
    if (balance.accountId === undefined) continue
    const here = cash(balance.accountId, balance.currency)
    if (here === balance.total) continue
    differences.push({
      kind: "balance",
      detail: `${balance.accountId} ${balance.currency}: ${balance.total} at the venue, ${here ?? "none"} in the Accounts Service; reported`
    })
  }
  return { reports, resend, differences }
}
