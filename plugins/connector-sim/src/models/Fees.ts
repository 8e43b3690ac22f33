/**
 * Fee models: the commission of one fill in minor units of the instrument's currency. All arithmetic is exact
 * integer math rounded half-even; a negative fee is a rebate.
 *
 * @since 0.1.0
 */

import * as Decimal from "@meridian/core/domain/Decimal"
import { type InstrumentSpec, notional } from "@meridian/core/domain/InstrumentSpec"
import { mul, mulDivRound } from "@meridian/core/domain/SafeInt"
import { Either } from "effect"

/** The fee of one fill at `price` ticks for `quantity` lots. */
export interface FeeModel {
  readonly fee: (spec: InstrumentSpec, liquidity: "maker" | "taker", price: number, quantity: number) => number
}

/** A floor on each positive fee, in minor units (rebates are left alone). */
export interface MinimumOption {
  readonly minimum?: number
}

const withMinimum = (fee: number, minimum: number | undefined): number =>
  minimum !== undefined && fee >= 0 && fee < minimum ? minimum : fee

/** No commission. */
export const noFees: FeeModel = { fee: () => 0 }

/** Basis points of the fill's notional, by liquidity; a negative `makerBps` pays a rebate. */
export const makerTakerFee = (
  options: { readonly makerBps: number; readonly takerBps: number } & MinimumOption
): FeeModel => ({
  fee: (spec, liquidity, price, quantity) => {
    const bps = liquidity === "maker" ? options.makerBps : options.takerBps
    return withMinimum(mulDivRound(Math.abs(notional(spec, price, quantity)), bps, 1, 10_000), options.minimum)
  }
})

/** A fixed amount (minor units) per lot, as brokers charge per share or per contract. */
export const perUnitFee = (options: { readonly perLot: number } & MinimumOption): FeeModel => ({
  fee: (_spec, _liquidity, _price, quantity) => withMinimum(mul(options.perLot, quantity), options.minimum)
})

/**
 * A decimal fraction of the notional, e.g. `"0.001"` for 10 bps as crypto venues quote it.
 * Throws a `RangeError` for a fraction that is not a positive decimal with at most 15 places.
 */
export const notionalFractionFee = (fraction: string, options: MinimumOption = {}): FeeModel => {
  const parsed = Decimal.increment(fraction)
  if (Either.isLeft(parsed) || parsed.right.scale > 15 || parsed.right.mantissa > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`fee fraction "${fraction}" must be a positive decimal with at most 15 places`)
  }
  const num = Number(parsed.right.mantissa)
  const den = 10 ** parsed.right.scale
  return {
    fee: (spec, _liquidity, price, quantity) =>
      withMinimum(mulDivRound(Math.abs(notional(spec, price, quantity)), num, 1, den), options.minimum)
  }
}
