/**
 * The instrument provider: Meridian's instruments as FIX sees them, `Symbol(55)` and `SecurityExchange(207)` (the
 * venue's MIC), and back.
 *
 * @since 0.1.0
 */
import type { InstrumentSpec, InstrumentSpecs } from "@meridian/core/domain/InstrumentSpec"

export interface FixInstruments {
  readonly byId: (instrumentId: string) => InstrumentSpec | undefined
  readonly bySymbol: (symbol: string | null, exchange: string | null) => InstrumentSpec | undefined
}

export const make = (specs: InstrumentSpecs): FixInstruments => {
  const bySymbol = new Map<string, InstrumentSpec>()
  const bySymbolOnly = new Map<string, InstrumentSpec | null>()
  for (const spec of specs.list) {
    bySymbol.set(`${spec.instrument.symbol}@${spec.instrument.venue}`, spec)
    // A bare symbol names an instrument only when one venue lists it.
    bySymbolOnly.set(spec.instrument.symbol, bySymbolOnly.has(spec.instrument.symbol) ? null : spec)
  }
  return {
    byId: (id) => specs.byId.get(id as never),
    bySymbol: (symbol, exchange) =>
      symbol === null
        ? undefined
        : exchange === null
          ? (bySymbolOnly.get(symbol) ?? undefined)
          : bySymbol.get(`${symbol}@${exchange}`)
  }
}
