/**
 * Codecs for every message that leaves a process: msgpack (msgpackr with record structures) for sockets and
 * files, JSON for HTTP and humans. Decoding foreign bytes validates with `Schema` and fails with a `CodecError`
 * whose issues name the field at fault.
 *
 * @since 0.1.0
 */
import { Either, ParseResult, Schema } from "effect"
import { Packr } from "msgpackr"

export const CodecIssue = Schema.Struct({
  path: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  message: Schema.String
})
export type CodecIssue = typeof CodecIssue.Type

/** Bytes or text that are not a valid message: `Malformed` cannot be parsed at all, `Invalid` breaks the schema. */
export class CodecError extends Schema.TaggedError<CodecError>()("CodecError", {
  reason: Schema.Literal("Malformed", "Invalid"),
  message: Schema.String,
  issues: Schema.Array(CodecIssue)
}) {}

export interface Codec<A> {
  readonly encode: (value: A) => Uint8Array
  readonly decode: (bytes: Uint8Array) => Either.Either<A, CodecError>
  readonly encodeJson: (value: A) => string
  readonly decodeJson: (text: string) => Either.Either<A, CodecError>
}

const EXPECTED = /^Expected (.+), actual (.+)$/s

/** One issue per field: a literal union reports each alternative apart, so they are folded into one line. */
const foldByPath = (issues: ReadonlyArray<CodecIssue>): Array<CodecIssue> => {
  const byPath = new Map<string, { path: CodecIssue["path"]; messages: Array<string> }>()
  for (const issue of issues) {
    const key = JSON.stringify(issue.path)
    const entry = byPath.get(key) ?? { path: issue.path, messages: [] }
    if (!entry.messages.includes(issue.message)) entry.messages.push(issue.message)
    byPath.set(key, entry)
  }
  return [...byPath.values()].map(({ path, messages }) => {
    const expected = messages.map((m) => EXPECTED.exec(m))
    const actual = expected[0]?.[2]
    const foldable = messages.length > 1 && expected.every((m) => m !== null && m[2] === actual)
    return {
      path,
      message: foldable ? `Expected ${expected.map((m) => m?.[1]).join(" | ")}, actual ${actual}` : messages.join("; ")
    }
  })
}

/** The problems of a failed decode, one per field, each naming it (a literal union's alternatives folded). */
export const issuesOf = (error: ParseResult.ParseError): Array<CodecIssue> =>
  foldByPath(
    ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
      path: issue.path.map((key) => (typeof key === "number" ? key : String(key))),
      message: issue.message
    }))
  )

/** One line per issue: `request.quantity: quantity must be positive`. */
export const formatIssue = (issue: CodecIssue): string =>
  `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`

const fromParseError = (error: ParseResult.ParseError): CodecError => {
  const issues = issuesOf(error)
  const message = issues.map(formatIssue).join("; ")
  return new CodecError({ reason: "Invalid", message, issues })
}

const malformed = (format: string, cause: unknown): CodecError =>
  new CodecError({
    reason: "Malformed",
    message: `not valid ${format}: ${cause instanceof Error ? cause.message : String(cause)}`,
    issues: []
  })

/**
 * A new msgpack packer. Without shared structures, record definitions travel inside each message, so any peer
 * can decode it; a session that shares structures (the wire protocol) passes its own.
 */
export const makePackr = (): Packr => new Packr({ useRecords: true, mapsAsObjects: true, int64AsType: "number" })

/** A codec for `schema`. Encoding validates too, so nothing invalid leaves the process. */
export const make = <A, I>(schema: Schema.Schema<A, I>, packr: Packr = makePackr()): Codec<A> => {
  const encodeSync = Schema.encodeSync(schema)
  const decodeUnknown = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })
  const decodeValue = (raw: unknown) => Either.mapLeft(decodeUnknown(raw), fromParseError)
  return {
    encode: (value) => packr.pack(encodeSync(value)),
    decode: (bytes) => {
      let raw: unknown
      try {
        raw = packr.unpack(bytes)
      } catch (cause) {
        return Either.left(malformed("msgpack", cause))
      }
      return decodeValue(raw)
    },
    encodeJson: (value) => JSON.stringify(encodeSync(value)),
    decodeJson: (text) => {
      let raw: unknown
      try {
        raw = JSON.parse(text)
      } catch (cause) {
        return Either.left(malformed("JSON", cause))
      }
      return decodeValue(raw)
    }
  }
}
