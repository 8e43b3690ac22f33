/**
 * The Execution Service's metrics in the Prometheus text format: the inputs it applied (market data events, venue
 * commands, a real venue's reports), those it skipped, the reports and marks it sent (and those refused), the differences
 * reconciliation found on start, and how far it got in each stream.
 *
 * @since 0.1.0
 */
import { Counter, Gauge, Registry } from "prom-client"
import type { VenueSession } from "./VenueSession"

export interface ExecutionMetrics {
  readonly marketData: () => void
  readonly command: () => void
  readonly skipped: () => void
  /** A report a real venue sent, journaled. */
  readonly report: () => void
  /** A difference reconciliation found, by kind. */
  readonly difference: (kind: string) => void
  readonly sent: (tag: string) => void
  /** A report or mark the Accounts Service refused (its outcome `Refused`), by tag and reason. */
  readonly refused: (tag: string, reason: string) => void
  readonly render: () => Promise<string>
  readonly contentType: string
}

export const makeExecutionMetrics = (session: VenueSession): ExecutionMetrics => {
  const registry = new Registry()
  const inputs = new Counter({
    name: "meridian_execution_inputs_total",
    help: "Inputs applied to the venue, by kind",
    labelNames: ["kind"],
    registers: [registry]
  })
  const marketData = inputs.labels("market-data")
  const command = inputs.labels("command")
  const report = inputs.labels("report")
  const differences = new Counter({
    name: "meridian_execution_reconciliation_differences_total",
    help: "Differences between the venue and the Accounts Service found by reconciliation on start, by kind",
    labelNames: ["kind"],
    registers: [registry]
  })
  const skipped = new Counter({
    name: "meridian_execution_skipped_total",
    help: "Inputs that did not decode, and venue fills already reported, skipped",
    registers: [registry]
  })
  const sent = new Counter({
    name: "meridian_execution_sent_total",
    help: "Reports and marks sent to the Accounts Service, by tag",
    labelNames: ["tag"],
    registers: [registry]
  })
  const refused = new Counter({
    name: "meridian_execution_refused_total",
    help: "Reports and marks the Accounts Service refused, by tag and reason",
    labelNames: ["tag", "reason"],
    registers: [registry]
  })
  new Gauge({
    name: "meridian_execution_market_data_last_seq",
    help: "Last market data sequence applied",
    registers: [registry],
    collect() {
      this.set(session.market)
    }
  })
  new Gauge({
    name: "meridian_execution_commands_last_seq",
    help: "Last venue command sequence applied, by accounts shard",
    labelNames: ["shard"],
    registers: [registry],
    collect() {
      for (const [i, seq] of session.executions.entries()) this.set({ shard: String(i) }, seq)
    }
  })
  return {
    marketData: () => marketData.inc(),
    command: () => command.inc(),
    skipped: () => skipped.inc(),
    report: () => report.inc(),
    difference: (kind) => differences.inc({ kind }),
    sent: (tag) => sent.inc({ tag }),
    refused: (tag, reason) => refused.inc({ tag, reason }),
    render: () => registry.metrics(),
    contentType: registry.contentType
  }
}
