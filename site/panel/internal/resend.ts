/**
 * Changes a panel audited as `pending` and then stopped before the Accounts Service answered (a restart, a crash):
 * a panel that starts resends each under its own request id and settles its row with the answer. The request id
 * makes the resend harmless: a change the service applied before is answered with its first outcome, not applied
 * again; one it never received is applied now, as the page that sent it said it would be.
 */
import { Effect, Schema } from "effect"
import { ConfigAudit, type ConfigChange } from "../../../core/db/ConfigAudit"
import type { CancelOrder, SetRiskLimits, SetTradingHalt } from "../../../core/domain/Commands"
import { AccountId, ClientOrderId } from "../../../core/domain/Ids"
import { RiskLimits } from "../../../core/domain/Risk"
import type { Timestamp } from "../../../core/domain/Units"
import type { LiveSessionService } from "../LiveSession"
import { scopeOfSubject } from "./riskForms"

const STAMPED_BY_SERVICE = 0 as Timestamp
const Halted = Schema.Struct({ halted: Schema.Boolean })
const CancelSubject = Schema.Struct({ accountId: AccountId, clientOrderId: ClientOrderId })

/** The input an audited change was sent as, rebuilt from its subject and `after`; undefined if it cannot be. */
export const inputOf = (change: ConfigChange): SetRiskLimits | SetTradingHalt | CancelOrder | undefined => {
  if (change.subject.startsWith("order:")) {
    const rest = change.subject.slice("order:".length)
    const at = rest.indexOf("/")
    const ids = Schema.decodeUnknownOption(CancelSubject)({
      accountId: rest.slice(0, at),
      clientOrderId: rest.slice(at + 1)
    })
    return ids._tag === "Some" ? { _tag: "CancelOrder", ...ids.value, ts: STAMPED_BY_SERVICE } : undefined
  }
  const target = scopeOfSubject(change.subject)
  if (target === undefined) return undefined
  if (target.kind === "risk-limits") {
    const limits = Schema.decodeUnknownOption(RiskLimits)(change.after)
    return limits._tag === "Some"
      ? { _tag: "SetRiskLimits", scope: target.scope, limits: limits.value, ts: STAMPED_BY_SERVICE }
      : undefined
  }
  const state = Schema.decodeUnknownOption(Halted)(change.after)
  const { scope } = target
  return state._tag === "Some" && (scope._tag === "Firm" || scope._tag === "Account")
    ? {
        _tag: "SetTradingHalt",
        scope,
        halted: state.value.halted,
        reason: `${change.actor} (resent by a panel that restarted)`,
        ts: STAMPED_BY_SERVICE
      }
    : undefined
}

/** Resend every pending change of the session and settle each with its answer; a failure is logged. */
export const settlePending = (live: LiveSessionService) =>
  Effect.gen(function* () {
    const audit = yield* ConfigAudit
    for (const change of yield* audit.pending(live.id)) {
      const input = inputOf(change)
      if (input === undefined) {
        yield* audit.settle(change.id, "refused", "not resent after a restart: its request cannot be rebuilt")
        continue
      }
      // Waits while the session's connection is down, as the first send did.
      const answer = yield* Effect.either(live.send({ ...input, requestId: change.requestId }))
      yield* answer._tag === "Left"
        ? audit.settle(change.id, "refused", answer.left.message)
        : answer.right._tag === "Accepted"
          ? audit.settle(change.id, "applied")
          : audit.settle(change.id, "refused", answer.right.message)
    }
  }).pipe(
    Effect.catchAll((error) => Effect.logError("pending changes not settled").pipe(Effect.annotateLogs({ error })))
  )
