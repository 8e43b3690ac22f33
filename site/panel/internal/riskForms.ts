/**
 * The operations forms as Schema: a risk scope by its key (`Firm`, `Account:<id>`,
 * `AccountInstrument:<account>:<instrument>`, `Strategy:<id>`), the limits of a scope as whole numbers (an empty field
 * is no limit), a kill switch, a cancel, a revert. A bad value is a 400 naming the field, and nothing is sent.
 */
import { ParseResult, Schema } from "effect"
import { AccountId, ClientOrderId } from "../../../core/domain/Ids"
import { type RiskLimits, RiskScope } from "../../../core/domain/Risk"
import { scopeKey } from "../../../core/live/accounts/RiskControls"

/** Every limit a scope may have, with how the page labels it (units as the engine holds them). */
export const LIMIT_FIELDS: ReadonlyArray<readonly [keyof RiskLimits, string]> = [
  ["maxOrderQuantity", "max order quantity (lots)"],
  ["maxOrderNotional", "max order notional (minor units)"],
  ["maxPosition", "max position (lots)"],
  ["maxOpenOrders", "max open orders"],
  ["priceBand", "price band (bp of the last price)"],
  ["maxOrdersPerWindow", "max orders per rate window"],
  ["orderRateWindow", "rate window (µs)"],
  ["dailyLossLimit", "daily loss limit (minor units)"],
  ["maxGrossExposure", "max gross exposure (minor units)"],
  ["maxNetExposure", "max net exposure (minor units)"]
]

const SCOPE_FORMS = "Firm, Account:<id>, AccountInstrument:<account>:<instrument> or Strategy:<id>"

/** The parts of a key, before the ids are checked by `RiskScope`. */
const parseKey = (key: string): unknown => {
  const [tag] = key.split(":", 1)
  const rest = key.slice((tag?.length ?? 0) + 1)
  switch (tag) {
    case "Firm":
      return key === "Firm" ? { _tag: "Firm" } : undefined
    case "Account":
      return { _tag: "Account", accountId: rest }
    case "Strategy":
      return { _tag: "Strategy", strategyId: rest }
    case "AccountInstrument": {
      // An account id may hold ':' and an instrument id may not: the instrument is after the last one.
      const at = rest.lastIndexOf(":")
      return at < 0
        ? undefined
        : { _tag: "AccountInstrument", accountId: rest.slice(0, at), instrumentId: rest.slice(at + 1) }
    }
    default:
      return undefined
  }
}

/** A scope as its key. */
export const ScopeKey = Schema.transformOrFail(Schema.String, Schema.typeSchema(RiskScope), {
  strict: true,
  decode: (key, _, ast) => {
    const parts = parseKey(key)
    if (parts === undefined) return ParseResult.fail(new ParseResult.Type(ast, key, `is not a scope: ${SCOPE_FORMS}`))
    return ParseResult.mapError(
      ParseResult.decodeUnknown(RiskScope)(parts),
      (issue) => new ParseResult.Type(ast, key, `is not a scope: ${ParseResult.TreeFormatter.formatIssueSync(issue)}`)
    )
  },
  encode: (scope) => ParseResult.succeed(scopeKey(scope))
})

const WholeNumber = Schema.compose(
  Schema.String.pipe(Schema.pattern(/^-?\d{1,16}$/, { message: () => "is not a whole number" })),
  Schema.NumberFromString
)
const limitField = Schema.optional(Schema.Union(Schema.Literal(""), WholeNumber))

/** A limits form's fields: each a whole number or empty. */
export const LimitFields = Schema.Struct(
  Object.fromEntries(LIMIT_FIELDS.map(([key]) => [key, limitField])) as Record<keyof RiskLimits, typeof limitField>
)

/** The limits a form sets, the empty fields left out; decode with `RiskLimits` to check each value. */
export const limitsOf = (fields: typeof LimitFields.Type): Record<string, number> => {
  const limits: Record<string, number> = {}
  for (const [key, value] of Object.entries(fields)) if (typeof value === "number") limits[key] = value
  return limits
}

/**
 * A scope's limits as a form last saw them: the compare-and-set version of a limits change. Keys sorted, so that the
 * same limits always read the same.
 */
export const limitsVersion = (limits: Readonly<Record<string, unknown>>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(limits).sort(([a], [b]) => a.localeCompare(b))))

/** The version a form carries back: the limits it was filled with. */
const Version = Schema.String.pipe(Schema.maxLength(2000, { message: () => "is longer than 2000 characters" }))

export const LimitsForm = Schema.Struct({ scope: ScopeKey, current: Version, ...LimitFields.fields })

export const HaltForm = Schema.Struct({
  scope: ScopeKey.pipe(
    Schema.filter(
      (scope) => scope._tag === "Firm" || scope._tag === "Account" || "only the firm or an account has a kill switch"
    )
  ),
  halted: Schema.Literal("true", "false"),
  reason: Schema.optional(Schema.String.pipe(Schema.maxLength(200, { message: () => "is longer than 200 characters" })))
})

export const CancelForm = Schema.Struct({ accountId: AccountId, clientOrderId: ClientOrderId })

/** The query of the cancel page. */
export const CancelQuery = Schema.Struct({ account: AccountId, order: ClientOrderId })

export const RevertForm = Schema.Struct({
  change: Schema.compose(
    Schema.String.pipe(Schema.pattern(/^\d{1,15}$/, { message: () => "is not a change number" })),
    Schema.NumberFromString
  ),
  /** A limits revert: the scope's limits as the page showed them (compare-and-set); a kill switch's has none. */
  current: Schema.optional(Version)
})

/** The scope of the edit page. */
export const EditQuery = Schema.Struct({ scope: ScopeKey })

/** The audit's subject of a scope's limits and of its kill switch. */
export const limitsSubject = (scope: RiskScope): string => `risk-limits:${scopeKey(scope)}`
export const haltSubject = (scope: RiskScope): string => `trading:${scopeKey(scope)}`

/** The scope an audited subject names, if it is a limits or a kill switch subject. */
export const scopeOfSubject = (
  subject: string
): { readonly kind: "risk-limits" | "trading"; readonly scope: RiskScope } | undefined => {
  const at = subject.indexOf(":")
  const kind = subject.slice(0, at)
  if (kind !== "risk-limits" && kind !== "trading") return undefined
  const decoded = Schema.decodeUnknownEither(ScopeKey)(subject.slice(at + 1))
  return decoded._tag === "Right" ? { kind, scope: decoded.right } : undefined
}
