/**
 * An instrument prepared for the hot path: its index in the run, its currency and the exact value of a tick-lot,
 * so that engines turn ticks × lots into money with one multiplication.
 *
 * @since 0.1.0
 */
import type { Currency } from "./Currency"
import type { CurrencyCode, InstrumentId } from "./Ids"
import { type Instrument, valuePerTickLot } from "./Instrument"
import { mulDivRound } from "./SafeInt"

export interface InstrumentSpec {
  readonly instrument: Instrument
  /** Position of the instrument in `InstrumentSpecs.list`; engines index their arrays with it. */
  readonly index: number
  readonly currency: Currency
  /** Value of one tick × one lot in minor units of `currency` is `valueNum / valueDen`. */
  readonly valueNum: number
  readonly valueDen: number
}

export interface InstrumentSpecs {
  readonly list: ReadonlyArray<InstrumentSpec>
  readonly byId: ReadonlyMap<InstrumentId, InstrumentSpec>
  readonly currencies: ReadonlyMap<CurrencyCode, Currency>
}

/** Fails with a `RangeError` naming what is missing: a run cannot start with an instrument it cannot value. */
export const makeSpecs = (
  instruments: ReadonlyArray<Instrument>,
  currencies: ReadonlyArray<Currency>
): InstrumentSpecs => {
  const currencyMap = new Map(currencies.map((c) => [c.code, c] as const))
  const list = instruments.map((instrument, index): InstrumentSpec => {
    const currency = currencyMap.get(instrument.quoteCurrency)
    if (currency === undefined) {
      throw new RangeError(`instrument ${instrument.id}: unknown quote currency ${instrument.quoteCurrency}`)
    }
    const { num, den } = valuePerTickLot(instrument, currency.decimals)
    return { instrument, index, currency, valueNum: num, valueDen: den }
  })
  return { list, byId: new Map(list.map((s) => [s.instrument.id, s] as const)), currencies: currencyMap }
}

/** Money of `lots` at `ticks`, in minor units of the instrument's currency, rounded half-even; throws past 2^53. */
export const notional = (spec: InstrumentSpec, ticks: number, lots: number): number =>
  spec.valueDen === 1 && Math.abs(ticks * lots * spec.valueNum) <= Number.MAX_SAFE_INTEGER
    ? ticks * lots * spec.valueNum
    : mulDivRound(ticks, lots, spec.valueNum, spec.valueDen)
