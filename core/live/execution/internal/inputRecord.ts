/**
 * The Execution Service's journal records: each input as it came off the wire (its payload, not only its
 * sequence), so that recovery replays the journal alone, whatever the sources still retain. A real venue's
 * execution reports are inputs too (they arrive on their own, and a replay cannot make them again); they have no
 * source sequence, their place in the journal orders them.
 */
import { Packr } from "msgpackr"

export type InputRecord =
  | { readonly _tag: "MarketData"; readonly seq: number; readonly value: unknown }
  | { readonly _tag: "Command"; readonly shard: number; readonly seq: number; readonly value: unknown }
  | { readonly _tag: "Report"; readonly value: unknown }

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: "number" })
const MARKET_DATA = 0
const COMMAND = 1
const REPORT = 2

export const encode = (record: InputRecord): Uint8Array =>
  packr.pack(
    record._tag === "MarketData"
      ? [MARKET_DATA, record.seq, record.value]
      : record._tag === "Command"
        ? [COMMAND, record.seq, record.value, record.shard]
        : [REPORT, 0, record.value]
  )

export const decode = (payload: Uint8Array): InputRecord => {
  const [kind, seq, value, shard] = packr.unpack(payload) as [number, number, unknown, number]
  return kind === MARKET_DATA
    ? { _tag: "MarketData", seq, value }
    : kind === COMMAND
      ? { _tag: "Command", shard, seq, value }
      : { _tag: "Report", value }
}
