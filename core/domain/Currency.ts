/**
 * Currencies and their minor units. Money is held in minor units (`decimals` digits after the point).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { CurrencyCode } from "./Ids"

export const Currency = Schema.Struct({
  code: CurrencyCode,
  /** Digits of the minor unit: USD 2, JPY 0, BTC 8. */
  decimals: Schema.Int.pipe(Schema.between(0, 18)),
  kind: Schema.Literal("fiat", "crypto")
})
export type Currency = typeof Currency.Type
