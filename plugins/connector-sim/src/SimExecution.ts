/**
 * The simulated venue as the `Execution` port: what paper trading plugs in where a real connector would go.
 * Market data reach it through `feed`, the same calls the backtest makes; reports go to every subscriber.
 *
 * @since 0.1.0
 */

import type { ExecutionReport } from "@meridian/core/domain/Commands"
import { Execution, type ExecutionService } from "@meridian/core/services/Execution"
import { Effect, Layer } from "effect"
import { SimVenue, type SimVenueOptions } from "./SimVenue"

export interface SimExecution {
  readonly execution: ExecutionService
  /** The venue itself, to feed it market data (`onQuote`, `onTrade`, `onBar`, `onBookDelta`, `advanceTo`). */
  readonly feed: SimVenue
}

/** A simulated venue behind the `Execution` port; subscribers are removed when their scope closes. */
export const make = (options: Omit<SimVenueOptions, "report">): Effect.Effect<SimExecution> =>
  Effect.sync(() => {
    const handlers = new Set<(report: ExecutionReport) => void>()
    const feed = new SimVenue({
      ...options,
      report: (report) => {
        for (const handler of handlers) handler(report)
      }
    })
    const execution: ExecutionService = {
      execute: (command) => feed.execute(command),
      reports: (handler) =>
        Effect.acquireRelease(
          Effect.sync(() => handlers.add(handler)),
          () => Effect.sync(() => handlers.delete(handler))
        ).pipe(Effect.asVoid)
    }
    return { execution, feed }
  })

/** `Execution` backed by a simulated venue (`layerSimulated` in the port-and-providers naming). */
export const layer = (options: Omit<SimVenueOptions, "report">): Layer.Layer<Execution> =>
  Layer.effect(
    Execution,
    Effect.map(make(options), (sim) => sim.execution)
  )
