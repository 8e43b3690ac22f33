/**
 * The static data set: currencies, instruments, holiday calendars, fee schedules and FX rates, each versioned by
 * the date it takes effect. One set is read by backtests and live trading alike; the shipped set is in `data/`.
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Layer, ParseResult, Schema } from "effect"
import { Calendar, IsoDate } from "../domain/Calendar"
import { Currency } from "../domain/Currency"
import { FeeSchedule } from "../domain/FeeSchedule"
import { CurrencyCode } from "../domain/Ids"
import { Instrument } from "../domain/Instrument"
import { make as makeService, StaticData, StaticDataError } from "../services/StaticData"

/** An instrument's definition from a date on (a new tick size, a new session, ...). */
export const InstrumentVersion = Schema.extend(Schema.Struct({ effectiveFrom: IsoDate }), Instrument)
export type InstrumentVersion = typeof InstrumentVersion.Type

export const FxRateVersion = Schema.Struct({
  base: CurrencyCode,
  quote: CurrencyCode,
  /** Units of `quote` per unit of `base`, a positive decimal string. */
  rate: Schema.String.pipe(Schema.pattern(/^\d+(\.\d+)?$/, { message: () => "rate must be a positive decimal" })),
  effectiveFrom: IsoDate
})
export type FxRateVersion = typeof FxRateVersion.Type

export const StaticDataSet = Schema.Struct({
  currencies: Schema.Array(Currency),
  instruments: Schema.Array(InstrumentVersion),
  calendars: Schema.Array(Calendar),
  fees: Schema.Array(FeeSchedule),
  fx: Schema.Array(FxRateVersion)
})
export type StaticDataSet = typeof StaticDataSet.Type

const FILES = ["currencies", "instruments", "calendars", "fees", "fx"] as const

const invalid = (file: string, error: ParseResult.ParseError) =>
  new StaticDataError({
    reason: "Invalid",
    message: `${file}: ${ParseResult.ArrayFormatter.formatErrorSync(error)
      .map((i) => `${i.path.join(".")}: ${i.message}`)
      .join("; ")}`
  })

/** Read and validate `<dir>/{currencies,instruments,calendars,fees,fx}.json`; every problem names its file and path. */
export const load = (dir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const raw: Record<string, unknown> = {}
    for (const name of FILES) {
      const file = path.join(dir, `${name}.json`)
      const text = yield* fs
        .readFileString(file)
        .pipe(Effect.mapError((e) => new StaticDataError({ reason: "Unreadable", message: `${file}: ${e.message}` })))
      raw[name] = yield* Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (e) => new StaticDataError({ reason: "Invalid", message: `${file}: ${String(e)}` })
      })
    }
    return yield* Schema.decodeUnknown(StaticDataSet, { errors: "all" })(raw).pipe(
      Effect.mapError((e) => invalid(dir, e)),
      Effect.flatMap(checkReferences)
    )
  })

/** Cross-file rules: instruments name known currencies and calendars. */
const checkReferences = (set: StaticDataSet): Effect.Effect<StaticDataSet, StaticDataError> => {
  const currencies = new Set(set.currencies.map((c) => c.code))
  const calendars = new Set(set.calendars.map((c) => c.id))
  const problems: Array<string> = []
  set.instruments.forEach((i, n) => {
    if (!currencies.has(i.quoteCurrency))
      problems.push(`instruments.${n}.quoteCurrency: unknown currency ${i.quoteCurrency}`)
    if (i.calendar !== undefined && !calendars.has(i.calendar)) {
      problems.push(`instruments.${n}.calendar: unknown calendar ${i.calendar}`)
    }
  })
  set.fx.forEach((r, n) => {
    for (const code of [r.base, r.quote]) if (!currencies.has(code)) problems.push(`fx.${n}: unknown currency ${code}`)
  })
  return problems.length === 0
    ? Effect.succeed(set)
    : Effect.fail(new StaticDataError({ reason: "Invalid", message: problems.join("; ") }))
}

/** The folder of the set shipped with Meridian. */
export const shippedDir = Effect.flatMap(Path.Path, (path) => path.fromFileUrl(new URL("./data/", import.meta.url)))

/** The shipped set, loaded and validated. */
export const loadShipped = Effect.flatMap(shippedDir.pipe(Effect.orDie), (dir) => load(dir))

/** `StaticData` from a folder of static data files. */
export const layerFiles = (dir: string) => Layer.effect(StaticData, Effect.map(load(dir), makeService))

/** `StaticData` from the set shipped with Meridian. */
export const layerShipped = Layer.effect(StaticData, Effect.map(loadShipped, makeService))
