/**
 * The Execution Service's connectors as the command line wires them: `sim`, the simulated venue of the
 * `connector-sim` plugin (paper trading), fed each market data event through the calls a backtest makes, and each
 * venue command at the time of the last event, as a backtest's venue gets its orders.
 *
 * @since 0.1.0
 */

import { periodMicros } from "../../core/domain/MarketData"
import { markTime } from "../../core/engine/portfolio/MarkPrice"
import type { MakeConnector } from "../../core/live/execution/Connector"
import { fixedLatency, noFees, noSlippage, notionalFractionFee, SimVenue } from "../../plugins/connector-sim/src/index"

const AGGRESSOR = { none: 0, buy: 1, sell: 2 } as const
const BOOK_ACTION = { set: 0, delete: 1, clear: 2 } as const

export const makeConnector: MakeConnector = ({ config, specs, report }) => {
  const options = config.sim
  const venue = new SimVenue({
    specs,
    barFill: options.barFill,
    fees: options.commission === "0" ? noFees : notionalFractionFee(options.commission),
    latency: fixedLatency(options.latencyUs),
    slippage: noSlippage,
    seed: options.seed,
    report,
    ...(options.volumeLimit === undefined ? {} : { volumeLimit: options.volumeLimit })
  })
  /** The time of the last event: a bar is known at its close, as the backtest's clock has it. */
  let now = 0
  return {
    execute: (command) => {
      venue.execute(command)
      // A command with no latency arrives now, so that its answers come before the next event.
      venue.advanceTo(now)
    },
    marketData: (event) => {
      const index = specs.byId.get(event.instrumentId)?.index
      if (index === undefined) return
      switch (event._tag) {
        case "Quote":
          venue.onQuote(index, event.ts, event.bidPrice, event.bidSize, event.askPrice, event.askSize)
          break
        case "Trade":
          venue.onTrade(index, event.ts, event.price, event.size, AGGRESSOR[event.aggressor])
          break
        case "Bar":
          venue.onBar(
            index,
            event.ts,
            periodMicros(event.period),
            event.open,
            event.high,
            event.low,
            event.close,
            event.volume
          )
          break
        case "BookDelta":
          venue.onBookDelta(
            index,
            event.ts,
            BOOK_ACTION[event.action],
            event.side === "bid" ? 0 : 1,
            event.price,
            event.size
          )
          break
      }
      now = Math.max(now, markTime(event))
    }
  }
}
