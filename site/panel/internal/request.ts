/**
 * Request bodies and queries decoded with Schema: a failure is a 400 whose one line names the field and the reason.
 */
import { Effect, ParseResult, Schema } from "effect"
import type { Context } from "hono"

/**
 * A request the panel refuses, with its HTTP status and a one-line message for the page.
 */
export class PanelRequestError extends Schema.TaggedError<PanelRequestError>()("PanelRequestError", {
  status: Schema.Literal(400, 401, 403, 404, 409, 429),
  message: Schema.String
}) {}

/** The first problem of a decoding, as `field: reason`. */
const oneLine = (error: ParseResult.ParseError): string => {
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (first === undefined) return "invalid request"
  return first.path.length === 0 ? first.message : `${first.path.join(".")}: ${first.message}`
}

/** Decode `input` (a form's fields, a query) with `schema`, or fail with a 400 naming the field. */
export const decode =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (input: unknown): Effect.Effect<A, PanelRequestError> =>
    Schema.decodeUnknown(schema)(input, { onExcessProperty: "ignore" }).pipe(
      Effect.mapError((error) => new PanelRequestError({ status: 400, message: oneLine(error) }))
    )

/** A form text field: present, at most `max` characters. */
export const field = (max: number) =>
  Schema.String.pipe(
    Schema.minLength(1, { message: () => "is empty" }),
    Schema.maxLength(max, { message: () => `is longer than ${max} characters` })
  )

/** The form fields of a request (url-encoded or multipart); a body that does not parse is a 400. */
export const formBody = (c: Context) =>
  Effect.tryPromise({
    try: () => c.req.parseBody(),
    catch: () => new PanelRequestError({ status: 400, message: "the body is not a form" })
  })
