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
