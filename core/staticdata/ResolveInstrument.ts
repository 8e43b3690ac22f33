/**
 * Instruments a backtest or an import trades: from static data when it knows the id, else made from the units given
 * (on the command line).
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { BacktestError } from "../backtest/Backtest"
import { Instrument } from "../domain/Instrument"
import type { StaticDataService } from "../services/StaticData"

export interface InstrumentDefaults {
  readonly currency: string
  readonly tickSize: string
  readonly lotSize: string
  /** The instrument's zone when it is not in static data; UTC when left out. */
  readonly timezone?: string | undefined
}

export const resolveInstrument = (
  staticData: StaticDataService,
  id: string,
  defaults: InstrumentDefaults
): Effect.Effect<Instrument, BacktestError> => {
  // An instrument of the static data keeps its own units, sessions and calendar.
  const known = staticData.instruments.find((instrument) => instrument.id === id)
  if (known !== undefined) return Effect.succeed(known)
  const dot = id.lastIndexOf(".")
  return Schema.decodeUnknown(Instrument, { errors: "all" })({
    id,
    venue: dot < 0 ? "SIM" : id.slice(dot + 1),
    symbol: dot < 0 ? id : id.slice(0, dot),
    assetClass: "equity",
    quoteCurrency: defaults.currency,
    tickSize: defaults.tickSize,
    lotSize: defaults.lotSize,
    multiplier: "1",
    timezone: defaults.timezone ?? "UTC",
    sessions: []
  }).pipe(Effect.mapError((e) => new BacktestError({ reason: "Config", message: `instrument ${id}: ${e.message}` })))
}
