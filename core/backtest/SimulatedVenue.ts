/**
 * What the backtest needs of a simulated venue. The `connector-sim` plugin implements it; the runner takes any
 * implementation, so core does not depend on a plugin.
 *
 * @since 0.1.0
 */
import type { BookColumns } from "../data/Columns"
import type { ExecutionCommand, ExecutionReport } from "../domain/Commands"
import type { InstrumentSpecs } from "../domain/InstrumentSpec"
import type { Order } from "../domain/Order"

export interface SimulatedVenue {
  readonly execute: (command: ExecutionCommand) => void
  readonly advanceTo: (ts: number) => void
  readonly onQuote: (index: number, ts: number, bid: number, bidSize: number, ask: number, askSize: number) => void
  readonly onTrade: (index: number, ts: number, price: number, size: number, aggressor: 0 | 1 | 2) => void
  readonly onBar: (
    index: number,
    ts: number,
    periodUs: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number
  ) => void
  /**
   * One L2 book update: rows `from` until `to` of `book`, of one instrument at one time, applied whole; `reset` when
   * they start a snapshot, which replaces the book.
   */
  readonly onBook: (book: BookColumns, from: number, to: number, reset: boolean) => void
}

/**
 * Builds the venue for a run: its instruments, where it sends its execution reports, and what an order's account
 * can spend on it now (the Accounts engine's `funds`: a venue sizes an order with `fundsShare` from it at the fill).
 */
export type MakeSimulatedVenue = (
  specs: InstrumentSpecs,
  report: (report: ExecutionReport) => void,
  funds: (order: Order) => number
) => SimulatedVenue
