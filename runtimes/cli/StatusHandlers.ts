/**
 * What `meridian status` runs: ask each service of a session for its `Status` (as the `cli` peer, with the
 * session's key) and print one block per service; a service that does not answer within two seconds is down.
 *
 * @since 0.1.0
 */
import { Console, Effect, Logger, LogLevel, Option } from "effect"
import type { ServiceStatus } from "../../core/live/ServiceStatus"
import { SERVICES, type ServiceName } from "../../core/live/session/SessionPlan"
import { formatAddress } from "../../core/protocol/Transport"
import { addressOf, askStatus, open } from "./SessionFolder"

/**
 * A follower's lag: what the stream's server has published past the follower's last sequence, from the statuses
 * of the same moment (topic names are unique across a session's services).
 */
const lagOf = (served: ReadonlyMap<string, number>, topic: string, lastSeq: number, known: number | undefined) =>
  known ?? (served.has(topic) ? Math.max(0, served.get(topic)! - lastSeq) : undefined)

const describe = (
  service: ServiceName,
  where: string,
  status: Option.Option<ServiceStatus>,
  served: ReadonlyMap<string, number>
): string => {
  if (Option.isNone(status)) return `${service.padEnd(12)} down         ${where}`
  const s = status.value
  const lines = [
    `${service.padEnd(12)} up           ${s.address}  ${s.instance} ${s.version} region ${s.region} since ${s.startedAt}`
  ]
  for (const stream of s.streams) lines.push(`  serves     ${stream.topic} at ${stream.lastSeq}`)
  if (s.feed !== undefined)
    lines.push(`  feed       ${s.feed.published} published${s.feed.finished ? ", replay finished" : ""}`)
  const reconciled = s.reconciliation
  if (reconciled !== undefined) {
    const count = reconciled.differences.length
    lines.push(
      `  reconciled ${reconciled.outcome} at ${reconciled.at}${count > 0 ? `, ${count} differences` : ""}${reconciled.message === undefined ? "" : `: ${reconciled.message}`}`
    )
    for (const d of reconciled.differences.slice(0, 10)) lines.push(`    ${d.kind}: ${d.detail}`)
    if (count > 10) lines.push(`    ... ${count - 10} more (the service's log has each)`)
  }
  for (const session of s.sessions)
    lines.push(`  client     ${session.service}/${session.instance} from ${session.remote}`)
  for (const peer of s.peers) {
    const following = peer.following.map((f) => {
      const lag = lagOf(served, f.topic, f.lastSeq, f.lag)
      return `${f.topic} at ${f.lastSeq}${lag === undefined ? "" : ` (lag ${lag})`}`
    })
    lines.push(
      `  peer       ${peer.name} ${peer.connected ? "connected" : "disconnected"}${following.length > 0 ? `: ${following.join(", ")}` : ""}`
    )
  }
  return lines.join("\n")
}

export const status = (options: { readonly session: Option.Option<string> }) =>
  Effect.gen(function* () {
    const session = yield* open(Option.getOrUndefined(options.session))
    // The protocol's own logs (connections opened and closed) are not what `status` prints.
    const answers = yield* Effect.forEach(SERVICES, (service) => askStatus(session, service, `status-${process.pid}`), {
      concurrency: "unbounded"
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None))
    const served = new Map(
      answers.flatMap((answer) =>
        Option.isSome(answer) ? answer.value.streams.map((s) => [s.topic, s.lastSeq] as const) : []
      )
    )
    yield* Console.log(`Session ${session.id}\n`)
    yield* Console.log(
      SERVICES.map((service, i) =>
        describe(service, formatAddress(addressOf(session, service)), answers[i]!, served)
      ).join("\n")
    )
  })
