/**
 * The FIX connector's configuration: where the venue is, the session's comp ids, the password as a `Redacted`
 * secret (never logged), the store file that keeps sequence numbers and the sent-order ledger across restarts, and an
 * optional drop-copy session.
 *
 * ```json
 * {
 *   "host": "127.0.0.1", "port": 9878,
 *   "senderCompId": "MERIDIAN", "targetCompId": "BROKER",
 *   "password": "…", "storeFile": "var/fix/main.jsonl",
 *   "dropCopy": { "senderCompId": "MERIDIAN-DC", "targetCompId": "BROKER", "password": "…", "storeFile": "var/fix/dc.jsonl" }
 * }
 * ```
 *
 * @since 0.1.0
 */
import { Data, Effect, ParseResult, Schema } from "effect"

const NonEmpty = Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))
/** A FIX comp id: printable ASCII without `|`, `=` or spaces. */
const CompId = Schema.String.pipe(
  Schema.pattern(/^[!-<>-{}~]{1,64}$/, { message: () => "1-64 printable characters without '=', '|' or spaces" })
)
const Port = Schema.Int.pipe(Schema.between(1, 65_535, { message: () => "a TCP port, 1-65535" }))

export const DropCopyConfig = Schema.Struct({
  host: Schema.optionalWith(NonEmpty, { exact: true }),
  port: Schema.optionalWith(Port, { exact: true }),
  senderCompId: CompId,
  targetCompId: CompId,
  username: Schema.optionalWith(Schema.String, { exact: true }),
  password: Schema.Redacted(Schema.String),
  storeFile: NonEmpty
})
export type DropCopyConfig = typeof DropCopyConfig.Type

export const FixConfig = Schema.Struct({
  host: Schema.optionalWith(NonEmpty, { default: () => "127.0.0.1" }),
  port: Port,
  senderCompId: CompId,
  targetCompId: CompId,
  username: Schema.optionalWith(Schema.String, { exact: true }),
  password: Schema.Redacted(Schema.String),
  /** Account(1) on every order, when the broker wants one. */
  account: Schema.optionalWith(NonEmpty, { exact: true }),
  heartbeatSeconds: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 300)), { default: () => 30 }),
  storeFile: NonEmpty,
  dropCopy: Schema.optionalWith(DropCopyConfig, { exact: true })
})
export type FixConfig = typeof FixConfig.Type
export type FixConfigInput = typeof FixConfig.Encoded

/** What went wrong at the FIX boundary. */
export class FixError extends Data.TaggedError("FixError")<{
  readonly reason: "Config" | "Store" | "Connect"
  readonly message: string
}> {}

/** Decodes a configuration; a bad one fails with one line naming each field at fault. */
export const decode = (raw: unknown): Effect.Effect<FixConfig, FixError> =>
  Schema.decodeUnknown(FixConfig)(raw, { errors: "all" }).pipe(
    Effect.mapError(
      (e) =>
        new FixError({
          reason: "Config",
          message: `FIX connector config: ${ParseResult.ArrayFormatter.formatErrorSync(e)
            .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
            .join("; ")}`
        })
    )
  )
