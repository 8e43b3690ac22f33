/**
 * What the Execution Service hosts: a venue connector, fed the Accounts Service's venue commands (and, for a
 * simulated venue, the market data), answering with execution reports. The runtime builds it from the
 * configuration's `connector` through its table of connector kinds (`ConnectorTable`), so the service never
 * depends on a plugin.
 *
 * Two kinds of venue, two ways to lose nothing:
 * - `Deterministic` (the simulated venue of paper trading): its reports come out synchronously from the calls that
 *   feed it. The service journals the inputs only; a venue built afresh and fed the same inputs in the same order
 *   gives the same reports, so replaying the journal rebuilds them.
 * - `Venue` (a real venue: FIX, ccxt, anything implementing the `Execution` port): its reports arrive later, on
 *   their own, over the network. A command goes to the venue once it is journaled, and never again on a replay;
 *   each report is journaled as an input when it arrives, before it is forwarded, so a restart replays exactly what
 *   was received. What was in flight at a crash is recovered by reconciliation on start (`VenueState`).
 *
 * @since 0.1.0
 */
import { Effect, ParseResult, Schema, type Scope } from "effect"
import type { ExecutionCommand, ExecutionReport } from "../../domain/Commands"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import type { MarketDataEvent } from "../../domain/MarketData"
import type { ExecutionService } from "../../services/Execution"
import type { VenueState } from "./VenueState"

/** A venue driven by one caller, whose reports come out of its calls; replaying its inputs rebuilds its reports. */
export interface SynchronousVenue {
  /** A venue command, taking effect at the time of the last market data event (as in a backtest). */
  readonly execute: (command: ExecutionCommand) => void
  /** A market data event, in sequence order: the simulated venue matches against it. */
  readonly marketData: (event: MarketDataEvent) => void
  /** What it holds, for reconciliation (it always agrees with the journal; asking proves that). */
  readonly state: VenueState
}

export interface DeterministicConnector {
  readonly _tag: "Deterministic"
  /** A fresh venue reporting to `report`; the service builds one and replays its journal through it. */
  readonly open: (report: (report: ExecutionReport) => void) => SynchronousVenue
}

export interface VenueConnector {
  readonly _tag: "Venue"
  /** Commands out (each once, after it is journaled) and reports in (each journaled as it arrives). */
  readonly execution: ExecutionService
  readonly state: VenueState
  /**
   * For a simulated venue behind this port, fed by this service (it matches against the service's market data):
   * every input by its source sequence once journaled — market data, and the commands in place of `execute` — and
   * on every start again those of the journal, in journal order (the venue ignores what it has taken), so that a
   * crash between the journal and the venue loses nothing. A real venue has its own market, takes commands through
   * `execution` only, and leaves this out.
   */
  readonly simulated?: SimulatedInputs
}

/** The inputs a simulated venue behind the asynchronous port takes from the service, by source sequence. */
export interface SimulatedInputs {
  readonly marketData: (seq: number, event: MarketDataEvent) => void
  readonly command: (shard: number, seq: number, command: ExecutionCommand) => void
}

export type Connector = DeterministicConnector | VenueConnector

/** What a connector kind is built with besides its options. */
export interface ConnectorContext {
  readonly specs: InstrumentSpecs
  /** The folder of the configuration file: relative paths in the options are relative to it. */
  readonly baseDir: string
}

/** A connector that cannot be configured or started; the message names the field (`connector.<kind>.<field>`). */
export class ConnectorError extends Schema.TaggedError<ConnectorError>()("ConnectorError", {
  message: Schema.String
}) {}

/** One kind of connector: its options' schema and how to build it, for as long as the scope lives. */
export interface ConnectorKind {
  readonly make: (options: unknown, context: ConnectorContext) => Effect.Effect<Connector, ConnectorError, Scope.Scope>
}

/**
 * A connector kind whose options decode with `options`: a failure names every field at fault, in one line, under
 * `connector.<kind>`.
 */
export const connectorKind = <A, I>(
  kind: string,
  options: Schema.Schema<A, I>,
  make: (options: A, context: ConnectorContext) => Effect.Effect<Connector, ConnectorError, Scope.Scope>
): ConnectorKind => ({
  make: (raw, context) =>
    Schema.decodeUnknown(options)(raw, { errors: "all" }).pipe(
      Effect.mapError(
        (error) =>
          new ConnectorError({
            message: ParseResult.ArrayFormatter.formatErrorSync(error)
              .map((issue) => `${["connector", kind, ...issue.path].join(".")}: ${issue.message}`)
              .join("; ")
          })
      ),
      Effect.flatMap((decoded) => make(decoded, context))
    )
})

/** The connector kinds a runtime carries, by the key that names them in `connector` (`sim`, `fix`, `ccxt`). */
export type ConnectorTable = Readonly<Record<string, ConnectorKind>>
