/**
 * What an accounts shard journals and applies: every command of the Accounts Service, every venue report, and the
 * marks (last prices) that move risk and the daily-loss kill switches. Replaying these in journal order through a
 * fresh engine gives back the same state and the same events, sequence numbers included.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountCommand } from "../../domain/Commands"
import { InstrumentId } from "../../domain/Ids"
import { Ticks, Timestamp } from "../../domain/Units"

/** The last price of an instrument, from market data. */
export const Mark = Schema.TaggedStruct("Mark", { instrumentId: InstrumentId, price: Ticks, ts: Timestamp })
export type Mark = typeof Mark.Type

export const ShardInput = Schema.Union(...AccountCommand.members, Mark)
export type ShardInput = typeof ShardInput.Type

/**
 * A client's idempotency key for an input that has no key of its own (a submission's is its client order id): a
 * deposit, a withdrawal, a cancel, a replace, a list, a limit change sent again after a lost answer is then
 * answered with its first outcome instead of being applied twice. It travels beside the input's fields on the wire
 * and in the journal.
 */
export const RequestId = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128))

/** The request id a request's body carries: absent, valid, or a one-line reason it is not. */
export const requestIdOf = (body: unknown): { readonly requestId?: string; readonly invalid?: string } => {
  const value = typeof body === "object" && body !== null ? (body as { requestId?: unknown }).requestId : undefined
  if (value === undefined) return {}
  return Schema.is(RequestId)(value)
    ? { requestId: value }
    : { invalid: "requestId: must be a string of 1 to 128 characters" }
}
