/**
 * The Market Data Service's metrics in the Prometheus text format: events published, the streams' last sequences,
 * the journal's group commits, the recorder's rows, and the sessions. Counters are updated per published batch;
 * the rest is read when Prometheus scrapes.
 *
 * @since 0.1.0
 */
import { Counter, Gauge, Registry } from "prom-client"
import type { Journal } from "../../journal/Journal"
import type { Server } from "../../protocol/Protocol"

/** What the gauges read when scraped. */
export interface MarketDataWatched {
  readonly server: Server
  readonly journal: Journal
  readonly lastSeq: () => number
  readonly settledSeq: (() => number) | undefined
  readonly recorded: (() => number) | undefined
}

export interface MarketDataMetrics {
  /** Count a published batch. */
  readonly published: (events: number) => void
  readonly watch: (watched: MarketDataWatched) => void
  /** The exposition, as `GET /metrics` serves it. */
  readonly render: () => Promise<string>
  readonly contentType: string
}

export const makeMarketDataMetrics = (): MarketDataMetrics => {
  const registry = new Registry()
  const events = new Counter({
    name: "meridian_market_data_published_total",
    help: "Events published since start",
    registers: [registry]
  })
  let watched: MarketDataWatched | undefined
  const gauge = (name: string, help: string, read: (w: MarketDataWatched) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const value = watched === undefined ? undefined : read(watched)
        if (value !== undefined) this.set(value)
      }
    })
  gauge("meridian_market_data_last_seq", "Last sequence of the market-data stream", (w) => w.lastSeq())
  gauge("meridian_market_data_settled_seq", "Last sequence of market-data/settled (lockstep)", (w) => w.settledSeq?.())
  gauge("meridian_market_data_journal_batches", "Group commits since start", (w) => w.journal.stats().batches)
  gauge("meridian_market_data_journal_records", "Records committed since start", (w) => w.journal.stats().records)
  gauge("meridian_market_data_recorded_rows", "Rows the recorder wrote since start", (w) => w.recorded?.())
  gauge("meridian_market_data_sessions", "Open protocol sessions", (w) => w.server.stats().sessions)
  return {
    published: (n) => events.inc(n),
    watch: (w) => {
      watched = w
    },
    render: () => registry.metrics(),
    contentType: registry.contentType
  }
}
