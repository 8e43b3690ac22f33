/**
 * The `StaticData` port: instruments, currencies, holiday calendars, fee schedules and FX rates, read by backtest
 * and live alike. Entries are versioned by the date they take effect; a look-up at a time gets the version in
 * force then (the latest when no time is given).
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema } from "effect"
import { type Calendar, type CalendarIndex, index as indexCalendar } from "../domain/Calendar"
import type { Currency } from "../domain/Currency"
import type { FeeSchedule } from "../domain/FeeSchedule"
import type { CurrencyCode, InstrumentId, VenueId } from "../domain/Ids"
import type { AssetClass, Instrument } from "../domain/Instrument"
import { MICROS_PER_MILLI } from "../domain/Units"

export class StaticDataError extends Schema.TaggedError<StaticDataError>()("StaticDataError", {
  reason: Schema.Literal(
    "UnknownInstrument",
    "UnknownCurrency",
    "UnknownCalendar",
    "NoFeeSchedule",
    "Invalid",
    "Unreadable"
  ),
  message: Schema.String
}) {}

/** An FX rate: units of `quote` per unit of `base`, as a decimal string. */
export interface FxRate {
  readonly base: CurrencyCode
  readonly quote: CurrencyCode
  readonly rate: string
}

/** What the port is built from: versioned entries as the static data files hold them. */
export interface StaticDataEntries {
  readonly currencies: ReadonlyArray<Currency>
  readonly instruments: ReadonlyArray<Instrument & { readonly effectiveFrom: string }>
  readonly calendars: ReadonlyArray<Calendar>
  readonly fees: ReadonlyArray<FeeSchedule>
  readonly fx: ReadonlyArray<FxRate & { readonly effectiveFrom: string }>
}

export interface StaticDataService {
  /** The latest version of every instrument. */
  readonly instruments: ReadonlyArray<Instrument>
  readonly currencies: ReadonlyArray<Currency>
  readonly instrument: (id: InstrumentId, at?: number) => Effect.Effect<Instrument, StaticDataError>
  readonly currency: (code: CurrencyCode) => Effect.Effect<Currency, StaticDataError>
  readonly calendar: (id: string) => Effect.Effect<CalendarIndex, StaticDataError>
  /** The schedule in force for the venue and asset class (a venue-wide schedule when none is specific). */
  readonly feeSchedule: (
    venue: VenueId,
    assetClass: AssetClass,
    at?: number
  ) => Effect.Effect<FeeSchedule, StaticDataError>
  /** The FX rates in force at `at`, one per pair. */
  readonly fxRates: (at?: number) => ReadonlyArray<FxRate>
}

export class StaticData extends Context.Tag("@meridian/core/StaticData")<StaticData, StaticDataService>() {}

/** Microseconds of a `YYYY-MM-DD` date at 00:00 UTC. */
const dateMicros = (date: string): number => Date.parse(`${date}T00:00:00Z`) * MICROS_PER_MILLI

/** The entry in force at `at`: the latest whose date is not after it (entries in any order). */
const inForce = <A extends { readonly effectiveFrom: string }>(
  entries: ReadonlyArray<A>,
  at: number | undefined
): A | undefined => {
  let best: A | undefined
  for (const entry of entries) {
    if (at !== undefined && dateMicros(entry.effectiveFrom) > at) continue
    if (best === undefined || entry.effectiveFrom >= best.effectiveFrom) best = entry
  }
  return best
}

const groupBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string): Map<string, Array<A>> => {
  const groups = new Map<string, Array<A>>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group === undefined) groups.set(k, [item])
    else group.push(item)
  }
  return groups
}

const strip = <A extends { readonly effectiveFrom: string }>({
  effectiveFrom: _,
  ...rest
}: A): Omit<A, "effectiveFrom"> => rest

/** The port over a set of versioned entries held in memory. */
export const make = (entries: StaticDataEntries): StaticDataService => {
  const instruments = groupBy(entries.instruments, (i) => i.id)
  const currencies = new Map(entries.currencies.map((c) => [c.code, c] as const))
  const calendars = new Map(entries.calendars.map((c) => [c.id, c] as const))
  const fx = groupBy(entries.fx, (r) => `${r.base}/${r.quote}`)
  const fail = (reason: StaticDataError["reason"], message: string) =>
    Effect.fail(new StaticDataError({ reason, message }))
  return {
    instruments: [...instruments.values()].map((versions) => strip(inForce(versions, undefined)!) as Instrument),
    currencies: entries.currencies,
    instrument: (id, at) => {
      const found = inForce(instruments.get(id) ?? [], at)
      return found === undefined
        ? fail("UnknownInstrument", `no instrument ${id}${at === undefined ? "" : " in force then"}`)
        : Effect.succeed(strip(found) as Instrument)
    },
    currency: (code) => {
      const found = currencies.get(code)
      return found === undefined ? fail("UnknownCurrency", `unknown currency ${code}`) : Effect.succeed(found)
    },
    calendar: (id) => {
      const found = calendars.get(id)
      return found === undefined
        ? fail("UnknownCalendar", `unknown calendar ${id}`)
        : Effect.try({
            try: () => indexCalendar(found),
            catch: (e) => new StaticDataError({ reason: "Invalid", message: String(e) })
          })
    },
    feeSchedule: (venue, assetClass, at) => {
      const forVenue = entries.fees.filter((f) => f.venue === venue)
      const specific = forVenue.filter((f) => f.assetClass === assetClass)
      const found =
        inForce(specific, at) ??
        inForce(
          forVenue.filter((f) => f.assetClass === undefined),
          at
        )
      return found === undefined
        ? fail("NoFeeSchedule", `no fee schedule for ${venue} ${assetClass}`)
        : Effect.succeed(found)
    },
    fxRates: (at) =>
      [...fx.values()].flatMap((versions) => {
        const rate = inForce(versions, at)
        return rate === undefined ? [] : [{ base: rate.base, quote: rate.quote, rate: rate.rate }]
      })
  }
}

export const layer = (entries: StaticDataEntries): Layer.Layer<StaticData> => Layer.succeed(StaticData, make(entries))
