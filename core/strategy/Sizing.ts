/**
 * Position sizing: how many lots an entry buys. All in exact integer units; results are whole lots, rounded down,
 * so an order never spends more than it was given.
 *
 * @since 0.1.0
 */
import { ParseResult, Schema } from "effect"
import { type InstrumentSpec, notional } from "../domain/InstrumentSpec"

export const Sizing = Schema.Union(
  Schema.TaggedStruct("FixedQuantity", { lots: Schema.Int.pipe(Schema.positive()) }),
  /** Spend about `amount` minor units of the instrument's currency. */
  Schema.TaggedStruct("FixedNotional", { amount: Schema.Int.pipe(Schema.positive()) }),
  /**
   * Spend `percent` of equity, net of the fee. `at: "signal"` counts the lots at the signal price; `"fill"` sends
   * the budget with the order (`notionalLimit`) and the venue counts them at the fill price, as a quote-quantity
   * order does.
   */
  Schema.TaggedStruct("PercentOfEquity", {
    percent: Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(100)),
    at: Schema.optionalWith(Schema.Literal("signal", "fill"), { default: () => "signal" as const })
  })
)
export type Sizing = typeof Sizing.Type

/**
 * Parse the CLI form: `qty:10`, `notional:100000` (minor units), `equity:95` (percent at the signal price) or
 * `equity:95@fill` (resolved at the fill price).
 */
export const parse = (text: string): Sizing | undefined => {
  const [kind, rest = ""] = text.split(":")
  const [value = "", at = "signal"] = rest.split("@")
  const n = Number(value)
  if (value === "" || !Number.isFinite(n) || n <= 0) return undefined
  if (kind === "qty" && Number.isInteger(n)) return { _tag: "FixedQuantity", lots: n }
  if (kind === "notional" && Number.isInteger(n)) return { _tag: "FixedNotional", amount: n }
  if (kind === "equity" && n <= 100 && (at === "signal" || at === "fill")) {
    return { _tag: "PercentOfEquity", percent: n, at }
  }
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
          : `equity:${sizing.percent}${sizing.at === "fill" ? "@fill" : ""}`
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

/**
 * What an entry order carries: its lots, and for sizing at the fill price the budget the venue spends — fixed
 * (`notionalLimit`), or a share in basis points of the account's funds at the fill (`fundsShare`).
 */
export interface Entry {
  readonly quantity: number
  readonly notionalLimit?: number
  readonly fundsShare?: number
}

/**
 * The entry order's size at signal price `price`. For `PercentOfEquity` at the fill price, `quantity` is only an
 * upper bound (twice the lots at the signal price) and `notionalLimit` the budget, fee included.
 */
export const entry = (sizing: Sizing, spec: InstrumentSpec, price: number, equity: number, feeRate = 0): Entry => {
  if (sizing._tag !== "PercentOfEquity" || sizing.at === "signal") {
    return { quantity: quantity(sizing, spec, price, equity, feeRate) }
  }
  const budget = Math.floor((equity * sizing.percent) / 100)
  const bound = 2 * quantity(sizing, spec, price, equity, 0)
  return bound > 0 && budget > 0 ? { quantity: bound, notionalLimit: budget } : { quantity: 0 }
}

/**
 * The entry order of a reversal, sent right after the order that closes the position. For `PercentOfEquity` at the
 * fill price the venue sizes it with the cash that close leaves at the fill: `fundsShare` is the percent in basis
 * points and `quantity` an upper bound (twice the lots the equity buys at the signal price). Other sizings are
 * `entry`'s: equity already counts the position being closed.
 */
export const reversal = (sizing: Sizing, spec: InstrumentSpec, price: number, equity: number, feeRate = 0): Entry => {
  if (sizing._tag !== "PercentOfEquity" || sizing.at === "signal") return entry(sizing, spec, price, equity, feeRate)
  const bound = 2 * quantity(sizing, spec, price, equity, 0)
  const share = Math.min(10_000, Math.max(1, Math.round(sizing.percent * 100)))
  return bound > 0 ? { quantity: bound, fundsShare: share } : { quantity: 0 }
}
