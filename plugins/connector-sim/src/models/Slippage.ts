/**
 * Slippage models: adverse ticks added to fills that take liquidity (a buy pays more, a sell receives less).
 *
 * @since 0.1.0
 */
import type { InstrumentSpec } from "@meridian/core/domain/InstrumentSpec"
import type { Rng } from "../Rng"

/** Adverse ticks for one taker fill. */
export interface SlippageModel {
  readonly ticks: (rng: Rng, spec: InstrumentSpec, side: "buy" | "sell", quantity: number) => number
}

/** Fills at the matched price. */
export const noSlippage: SlippageModel = { ticks: () => 0 }

/** Every taker fill slips by `ticks`. */
export const fixedSlippage = (ticks: number): SlippageModel => ({ ticks: () => ticks })

/** A taker fill slips by `ticks` with `probability`; one draw per fill keeps the stream aligned across runs. */
export const probabilisticSlippage = (probability: number, ticks: number): SlippageModel => ({
  ticks: (rng) => (rng.nextFloat() < probability ? ticks : 0)
})
