/**
 * Position sizing: how many lots an entry buys. All in exact integer units; results are whole lots, rounded down,
 * so an order never spends more than it was given.
 *
 * @since 0.1.0
 */
import { ParseResult, Schema } from "effect"
import { type InstrumentSpec, notional } from "../engine/InstrumentSpec"

export const Sizing = Schema.Union(
  Schema.TaggedStruct("FixedQuantity", { lots: Schema.Int.pipe(Schema.positive()) }),
  /** Spend about `amount` minor units of the instrument's currency. */
  Schema.TaggedStruct("FixedNotional", { amount: Schema.Int.pipe(Schema.positive()) }),
  /** Spend `percent` of equity, net of the fee (`feeRate` as a fraction of notional). */
  Schema.TaggedStruct("PercentOfEquity", {
    percent: Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(100))
  })
)
export type Sizing = typeof Sizing.Type

/**
 * Parse the CLI form: `qty:10`, `notional:100000` (minor units), `equity:95` (percent).
 */
export const parse = (text: string): Sizing | undefined => {
  const [kind, value = ""] = text.split(":")
  const n = Number(value)
  if (value === "" || !Number.isFinite(n) || n <= 0) return undefined
  if (kind === "qty" && Number.isInteger(n)) return { _tag: "FixedQuantity", lots: n }
  if (kind === "notional" && Number.isInteger(n)) return { _tag: "FixedNotional", amount: n }
  if (kind === "equity" && n <= 100) return { _tag: "PercentOfEquity", percent: n }
  return undefined
}

/** A sizing written as text (`qty:10`, `notional:100000`, `equity:95`), as on the command line. */
export const SizingFromString = Schema.transformOrFail(Schema.String, Sizing, {
  strict: true,
  decode: (text, _, ast) => {
    const sizing = parse(text)
    return sizing === undefined
      ? ParseResult.fail(
          new ParseResult.Type(ast, text, "sizing must be qty:<lots>, notional:<minor units> or equity:<percent>")
        )
      : ParseResult.succeed(sizing)
  },
  encode: (sizing) =>
    ParseResult.succeed(
      sizing._tag === "FixedQuantity"
        ? `qty:${sizing.lots}`
        : sizing._tag === "FixedNotional"
          ? `notional:${sizing.amount}`
          : `equity:${sizing.percent}`
    )
})

/**
 * Lots to trade at `price` ticks. `equity` is in the instrument's currency (minor units); `feeRate` is the fee as a
 * fraction of notional, kept aside so that notional + fee fits the budget.
 */
export const quantity = (sizing: Sizing, spec: InstrumentSpec, price: number, equity: number, feeRate = 0): number => {
  if (sizing._tag === "FixedQuantity") return sizing.lots
  const budget = sizing._tag === "FixedNotional" ? sizing.amount : Math.floor((equity * sizing.percent) / 100)
  const perLot = notional(spec, price, 1) * (1 + feeRate)
  if (perLot <= 0 || budget <= 0) return 0
  let lots = Math.floor(budget / perLot)
  // Floating division may overshoot by one lot at the edge; check exactly in integers.
  while (lots > 0 && notional(spec, price, lots) + Math.ceil(notional(spec, price, lots) * feeRate) > budget) lots--
  return lots
}
