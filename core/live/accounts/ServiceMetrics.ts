/**
 * The Accounts Service's metrics in the Prometheus text format: inputs and their outcomes, the time from an input's
 * arrival to its answer (which includes the journal's group commit), the journal's commits and batch sizes, the
 * streams' last sequences, and the sessions. Counters are updated in the per-input path; the rest is read when
 * Prometheus scrapes.
 *
 * @since 0.1.0
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client"
import type { AccountsServer } from "./AccountsServer"
import type { Outcome } from "./AccountsShard"

export interface ServiceMetrics {
  /** Count an answered input and its latency in ms. */
  readonly observe: (outcome: Outcome, elapsedMs: number) => void
  /** Read the gauges from `service` when scraped. */
  readonly watch: (service: AccountsServer) => void
  /** The exposition, as `GET /metrics` serves it. */
  readonly render: () => Promise<string>
  readonly contentType: string
}

export const makeServiceMetrics = (): ServiceMetrics => {
  const registry = new Registry()
  const inputs = new Counter({
    name: "meridian_accounts_inputs_total",
    help: "Inputs answered, by outcome",
    labelNames: ["outcome"],
    registers: [registry]
  })
  const accepted = inputs.labels("accepted")
  const refused = inputs.labels("refused")
  const latency = new Histogram({
    name: "meridian_accounts_answer_seconds",
    help: "Time from an input's arrival to its answer, group commit included",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry]
  })
  let service: AccountsServer | undefined
  const perShard = (name: string, help: string, read: (shard: AccountsServer["shards"][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["shard"],
      registers: [registry],
      collect() {
        for (const [i, shard] of (service?.shards ?? []).entries()) this.set({ shard: String(i) }, read(shard))
      }
    })
  perShard("meridian_accounts_journal_batches", "Group commits since start", (s) => s.journalStats().batches)
  perShard("meridian_accounts_journal_records", "Records committed since start", (s) => s.journalStats().records)
  perShard("meridian_accounts_journal_commit_seconds", "Duration of the last group commit", (s) => {
    return s.journalStats().lastCommitMs / 1000
  })
  perShard("meridian_accounts_events_last_seq", "Last sequence of the shard's event stream", (s) => s.events.last)
  new Gauge({
    name: "meridian_accounts_sessions",
    help: "Open protocol sessions",
    registers: [registry],
    collect() {
      this.set(service?.server.stats().sessions ?? 0)
    }
  })
  return {
    observe: (outcome, elapsedMs) => {
      ;(outcome._tag === "Accepted" ? accepted : refused).inc()
      latency.observe(elapsedMs / 1000)
    },
    watch: (watched) => {
      service = watched
    },
    render: () => registry.metrics(),
    contentType: registry.contentType
  }
}
