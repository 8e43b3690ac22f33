/**
 * The Accounts Service's metrics in the Prometheus text format: inputs and their outcomes, the time from an input's
 * arrival to its answer (which includes the journal's group commit), the journal's commits and batch sizes, the
 * streams' last sequences, and the sessions. The per-input path only adds to plain numbers (a labelled
 * `prom-client` update costs a label hash and garbage per call, which the service paid per order); everything is
 * handed to `prom-client` when Prometheus scrapes.
 *
 * @since 0.1.0
 */
import { Counter, Gauge, Registry } from "prom-client"
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
  const counted = { accepted: 0, refused: 0 }
  const reported = { accepted: 0, refused: 0 }
  new Counter({
    name: "meridian_accounts_inputs_total",
    help: "Inputs answered, by outcome",
    labelNames: ["outcome"],
    registers: [registry],
    collect() {
      for (const outcome of ["accepted", "refused"] as const) {
        this.inc({ outcome }, counted[outcome] - reported[outcome])
        reported[outcome] = counted[outcome]
      }
    }
  })
  const latency = new Buckets(
    "meridian_accounts_answer_seconds",
    "Time from an input's arrival to its answer, group commit included",
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
  )
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
      if (outcome._tag === "Accepted") counted.accepted++
      else counted.refused++
      latency.observe(elapsedMs / 1000)
    },
    watch: (watched) => {
      service = watched
    },
    render: () => registry.metrics().then((text) => text + latency.render()),
    contentType: registry.contentType
  }
}

/** A histogram kept in plain numbers, written in the Prometheus text format when scraped. */
class Buckets {
  private readonly counts: Float64Array
  private sum = 0
  private count = 0

  constructor(
    private readonly name: string,
    private readonly help: string,
    private readonly bounds: ReadonlyArray<number>
  ) {
    this.counts = new Float64Array(bounds.length)
  }

  observe(value: number): void {
    this.sum += value
    this.count++
    const bounds = this.bounds
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++
        return
      }
    }
  }

  /** Cumulative buckets, as the format wants them. */
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    let cumulative = 0
    this.bounds.forEach((bound, i) => {
      cumulative += this.counts[i]!
      lines.push(`${this.name}_bucket{le="${bound}"} ${cumulative}`)
    })
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`)
    lines.push(`${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`)
    return `${lines.join("\n")}\n`
  }
}
