/**
 * What the Execution Service hosts: a venue connector, fed the Accounts Service's venue commands and the market
 * data, answering with execution reports. The runtime builds it from the configuration's `connector` (the
 * simulated venue of `connector-sim` for paper trading), so the service never depends on a plugin.
 *
 * A connector is driven by one caller, in the order the service applied its inputs; its reports come out
 * synchronously from those calls. The service journals the inputs, so a connector built afresh and fed the same
 * inputs in the same order must give the same reports (the simulated venue does: seeded, no clock of its own).
 *
 * @since 0.1.0
 */
import type { ExecutionCommand, ExecutionReport } from "../../domain/Commands"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import type { MarketDataEvent } from "../../domain/MarketData"
import type { ConnectorConfig } from "./ExecutionConfig"

export interface Connector {
  /** A venue command, taking effect at the time of the last market data event (as in a backtest). */
  readonly execute: (command: ExecutionCommand) => void
  /** A market data event, in sequence order: the simulated venue matches against it; a real one may ignore it. */
  readonly marketData: (event: MarketDataEvent) => void
}

export interface ConnectorOptions {
  readonly config: ConnectorConfig
  readonly specs: InstrumentSpecs
  readonly report: (report: ExecutionReport) => void
}

/** Builds the connector the configuration names. */
export type MakeConnector = (options: ConnectorOptions) => Connector
