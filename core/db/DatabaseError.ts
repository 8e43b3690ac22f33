/**
 * The one error of the central database boundary.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A failure of the central database: starting the embedded server (`Embedded`), connecting (`Connect`), reading
 * the configuration (`Config`), migrating the schema (`Migrate`), running a statement (`Query`) or reading and
 * writing the embedded database's inbox of runs (`Inbox`).
 *
 * @since 0.1.0
 * @category errors
 */
export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
  reason: Schema.Literal("Embedded", "Connect", "Config", "Migrate", "Query", "Inbox"),
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/** Wrap any failure into a `DatabaseError` of the given reason, keeping the original as `cause`. */
export const toDatabaseError =
  (reason: DatabaseError["reason"], message: string) =>
  (cause: unknown): DatabaseError =>
    new DatabaseError({ reason, message: `${message}: ${describe(cause)}`, cause })

const describe = (cause: unknown): string => {
  if (typeof cause === "object" && cause !== null) {
    const inner = (cause as { cause?: unknown }).cause
    if (inner instanceof Error && inner.message !== "") return inner.message
    if (cause instanceof Error || "message" in cause) return String((cause as { message: unknown }).message)
  }
  return String(cause)
}
