/**
 * Parameter schemas for times and durations, so a strategy's parameters read the same from the command line, a
 * config file or the Control Panel. Both decode to integer microseconds.
 *
 * @since 0.1.0
 */
import { SchemaAST as AST, Either, ParseResult, Schema } from "effect"
import { MICROS_PER_MILLI } from "../domain/Units"

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)$/

/** An instant: microseconds since the epoch, or an ISO-8601 date-time with `Z` or an offset (to the µs). */
export const TimeParam = Schema.Union(
  Schema.Int.pipe(Schema.nonNegative()),
  Schema.transformOrFail(Schema.String, Schema.Int, {
    strict: true,
    decode: (text, _, ast) => {
      const match = ISO.exec(text)
      const millis = match === null ? Number.NaN : Date.parse(`${match[1]}${match[3]}`)
      if (match === null || Number.isNaN(millis)) {
        return ParseResult.fail(
          new ParseResult.Type(ast, text, "time must be µs since the epoch or ISO-8601 with Z or an offset")
        )
      }
      return ParseResult.succeed(millis * MICROS_PER_MILLI + Number((match[2] ?? "").padEnd(6, "0")))
    },
    encode: (us) => ParseResult.succeed(new Date(Math.floor(us / MICROS_PER_MILLI)).toISOString())
  })
)

const UNIT_US: Record<string, number> = {
  us: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000
}

/** A positive duration: microseconds, or a count and a unit `us|ms|s|m|h|d` (`30s`, `5m`, `2h`). */
export const DurationParam = Schema.Union(
  Schema.Int.pipe(Schema.positive()),
  Schema.transformOrFail(Schema.String, Schema.Int.pipe(Schema.positive()), {
    strict: true,
    decode: (text, _, ast) => {
      const match = /^([1-9]\d{0,9})(us|ms|s|m|h|d)$/.exec(text)
      return match === null
        ? ParseResult.fail(new ParseResult.Type(ast, text, "duration must be µs or a count and a unit, e.g. 5m"))
        : ParseResult.succeed(Number(match[1]) * UNIT_US[match[2]!]!)
    },
    encode: (us) => ParseResult.succeed(`${us}us`)
  })
)

/** The parameter naming a strategy's instrument: its id, or the first instrument of the run when left out. */
export const instrumentField = {
  instrument: Schema.optionalWith(Schema.String, { exact: true })
}

/** The parameters every execution algorithm shares: what to trade, and when to give up. */
export const parentOrderFields = {
  ...instrumentField,
  side: Schema.Literal("buy", "sell"),
  /** The parent quantity in lots. */
  quantity: Schema.Int.pipe(Schema.positive()),
  /** Children are limit orders at this price in ticks; market orders when left out. */
  limitPrice: Schema.optionalWith(Schema.Int, { exact: true }),
  /** Cancel the parent at this time: the working child is canceled and nothing more is sent. */
  cancelAt: Schema.optionalWith(TimeParam, { exact: true })
}

/** Edit distance between two names (insertions, deletions, substitutions, transpositions of neighbours). */
const distance = (a: string, b: string): number => {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = d
    }
  }
  return rows[a.length]![b.length]!
}

/** The known name closest to `name`, when it is a plausible typo of it. */
export const closestName = (name: string, known: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/**
 * A strategy's parameters decoded with its schema, every problem at once; a key the schema does not know is refused
 * (a typo must not run silently with the default), with the closest known name. Left: one line, `key: problem; ...`.
 */
export const decodeParams = <A, I>(
  schema: Schema.Schema<A, I>,
  raw: Readonly<Record<string, unknown>>
): Either.Either<A, string> => {
  const known = AST.getPropertySignatures(Schema.encodedSchema(schema).ast).map((p) => String(p.name))
  return Either.mapLeft(
    Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(raw),
    (error) =>
      ParseResult.ArrayFormatter.formatErrorSync(error)
        .map((issue) => {
          const key = issue.path.join(".")
          if (issue._tag !== "Unexpected") return `${key}: ${issue.message}`
          const closest = closestName(key, known)
          const hint = closest === undefined ? "" : `did you mean ${closest}? `
          return `${key}: unknown parameter (${hint}known: ${known.join(", ") || "none"})`
        })
        .join("; ")
  )
}
