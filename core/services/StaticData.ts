/**
 * The `StaticData` port: instruments, currencies and FX rates, read by backtest and live alike.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { Currency } from "../domain/Currency"
import type { CurrencyCode, InstrumentId } from "../domain/Ids"
import type { Instrument } from "../domain/Instrument"

export class StaticDataError extends Schema.TaggedError<StaticDataError>()("StaticDataError", {
  reason: Schema.Literal("UnknownInstrument", "UnknownCurrency"),
  message: Schema.String
}) {}

/** An FX rate: units of `quote` per unit of `base`, as a decimal string. */
export interface FxRate {
  readonly base: CurrencyCode
  readonly quote: CurrencyCode
  readonly rate: string
}

export interface StaticDataService {
  readonly instruments: ReadonlyArray<Instrument>
  readonly currencies: ReadonlyArray<Currency>
  readonly fxRates: ReadonlyArray<FxRate>
  readonly instrument: (id: InstrumentId) => Effect.Effect<Instrument, StaticDataError>
  readonly currency: (code: CurrencyCode) => Effect.Effect<Currency, StaticDataError>
}

export class StaticData extends Context.Tag("@meridian/core/StaticData")<StaticData, StaticDataService>() {}

/** Static data held in memory: what a backtest loads from its files. */
export const make = (values: {
  readonly instruments: ReadonlyArray<Instrument>
  readonly currencies: ReadonlyArray<Currency>
  readonly fxRates?: ReadonlyArray<FxRate>
}): StaticDataService => {
  const instruments = new Map(values.instruments.map((i) => [i.id, i] as const))
  const currencies = new Map(values.currencies.map((c) => [c.code, c] as const))
  return {
    instruments: values.instruments,
    currencies: values.currencies,
    fxRates: values.fxRates ?? [],
    instrument: (id) => {
      const found = instruments.get(id)
      return found === undefined
        ? Effect.fail(new StaticDataError({ reason: "UnknownInstrument", message: `unknown instrument ${id}` }))
        : Effect.succeed(found)
    },
    currency: (code) => {
      const found = currencies.get(code)
      return found === undefined
        ? Effect.fail(new StaticDataError({ reason: "UnknownCurrency", message: `unknown currency ${code}` }))
        : Effect.succeed(found)
    }
  }
}

export const layerMemory = (values: Parameters<typeof make>[0]): Layer.Layer<StaticData> =>
  Layer.succeed(StaticData, make(values))
