/**
 * Finding a strategy's instrument among those of the run or session.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Instrument } from "../domain/Instrument"
import type { InstrumentSpec } from "../domain/InstrumentSpec"
import { Accounts, type AccountsService } from "../services/Accounts"
import { MarketData, MarketDataError, type MarketDataService } from "../services/MarketData"

const unknown = (id: string | undefined) =>
  new MarketDataError({ reason: "UnknownInstrument", message: `no instrument ${id ?? ""} in this run` })

/** The instrument with `id`, or the first one when `id` is left out; fails with `UnknownInstrument`. */
export const instrumentOf = (
  marketData: MarketDataService,
  id: string | undefined
): Effect.Effect<Instrument, MarketDataError> => {
  const instrument = id === undefined ? marketData.instruments[0] : marketData.instruments.find((i) => i.id === id)
  return instrument === undefined ? Effect.fail(unknown(id)) : Effect.succeed(instrument)
}

/** What a single-instrument strategy starts from: the two services, its instrument and that instrument's spec. */
export interface Traded {
  readonly marketData: MarketDataService
  readonly accounts: AccountsService
  readonly instrument: Instrument
  readonly spec: InstrumentSpec
}

/** The services and the instrument named by `id` (the first of the run when left out); fails with `UnknownInstrument`. */
export const traded = (id: string | undefined): Effect.Effect<Traded, MarketDataError, MarketData | Accounts> =>
  Effect.gen(function* () {
    const marketData = yield* MarketData
    const accounts = yield* Accounts
    const instrument = yield* instrumentOf(marketData, id)
    const spec = marketData.spec(instrument.id)
    if (spec === undefined) return yield* Effect.fail(unknown(id))
    return { marketData, accounts, instrument, spec }
  })
