/**
 * Fee schedules as static data: what a venue charges, by asset class, from a date on. The simulated venue turns
 * a schedule into its fee model.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { IsoDate } from "./Calendar"
import { VenueId } from "./Ids"
import { AssetClass } from "./Instrument"
import { Minor } from "./Units"

const Bps = Schema.Number.pipe(Schema.between(-100, 1_000))

export const FeeRule = Schema.Union(
  /** Basis points of notional, negative for a maker rebate. */
  Schema.TaggedStruct("MakerTaker", { makerBps: Bps, takerBps: Bps }),
  /** A fixed amount per lot (per share, per contract), in minor units. */
  Schema.TaggedStruct("PerUnit", { perLot: Minor }),
  /** A fraction of notional as a decimal string, e.g. `"0.001"`. */
  Schema.TaggedStruct("NotionalFraction", { fraction: Schema.String.pipe(Schema.pattern(/^0?\.\d+$|^0$/)) })
)
export type FeeRule = typeof FeeRule.Type

export const FeeSchedule = Schema.Struct({
  venue: VenueId,
  /** Absent: every asset class of the venue. */
  assetClass: Schema.optionalWith(AssetClass, { exact: true }),
  effectiveFrom: IsoDate,
  rule: FeeRule,
  /** Smallest fee of a fill, minor units. */
  minimum: Schema.optionalWith(Minor, { exact: true })
})
export type FeeSchedule = typeof FeeSchedule.Type
