/**
 * Finding a strategy's instrument among those of the run or session.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Instrument } from "../domain/Instrument"
import { MarketDataError, type MarketDataService } from "../services/MarketData"

/** The instrument with `id`, or the first one when `id` is left out; fails with `UnknownInstrument`. */
export const instrumentOf = (
  marketData: MarketDataService,
  id: string | undefined
): Effect.Effect<Instrument, MarketDataError> => {
  const instrument = id === undefined ? marketData.instruments[0] : marketData.instruments.find((i) => i.id === id)
  return instrument === undefined
    ? Effect.fail(
        new MarketDataError({ reason: "UnknownInstrument", message: `no instrument ${id ?? ""} in this run` })
      )
    : Effect.succeed(instrument)
}
