/**
 * The Execution Service's journal records: each input as it came off the wire (its payload, not only its
 * sequence), so that recovery replays the journal alone, whatever the sources still retain.
 */
import { Packr } from "msgpackr"

export type InputRecord =
  | { readonly _tag: "MarketData"; readonly seq: number; readonly value: unknown }
  | { readonly _tag: "Command"; readonly shard: number; readonly seq: number; readonly value: unknown }

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: "number" })
const MARKET_DATA = 0
const COMMAND = 1

export const encode = (record: InputRecord): Uint8Array =>
  packr.pack(
    record._tag === "MarketData"
      ? [MARKET_DATA, record.seq, record.value]
      : [COMMAND, record.seq, record.value, record.shard]
  )

export const decode = (payload: Uint8Array): InputRecord => {
  const [kind, seq, value, shard] = packr.unpack(payload) as [number, number, unknown, number]
  return kind === MARKET_DATA ? { _tag: "MarketData", seq, value } : { _tag: "Command", shard, seq, value }
}
