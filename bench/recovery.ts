/**
 * Journal recovery: 1,000,000 records, each a msgpack-encoded `SubmitOrder` as the Accounts Service journals its
 * commands (~210 bytes), written with group commit in 64 MiB segments; then the journal is opened again twice:
 * once handing every record over unread (the journal's own cost: reading, checksums, sequence), once decoding each
 * with the wire codec's msgpack. The clock runs over the reopenings only. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import type { SubmitOrder } from "../core/domain/Commands"
import type { AccountId, ClientOrderId, InstrumentId, StrategyId } from "../core/domain/Ids"
import type { Lots, Ticks, Timestamp } from "../core/domain/Units"
import { open } from "../core/journal/Journal"
import { makePackr } from "../core/protocol/Codec"
import { nodeJournalFiles } from "../runtimes/node/NodeJournalFiles"

const RECORDS = 1_000_000
const BURST = 4_096
const dir = mkdtempSync(join(tmpdir(), "meridian-bench-recovery-"))
const packr = makePackr()
const options = { files: nodeJournalFiles, dir }

const command = (i: number): SubmitOrder => ({
  _tag: "SubmitOrder",
  ts: (1_700_000_000_000_000 + i) as Timestamp,
  request: {
    clientOrderId: `c${i}` as ClientOrderId,
    accountId: "bench" as AccountId,
    strategyId: "bench-strategy" as StrategyId,
    instrumentId: "AAPL.XNAS" as InstrumentId,
    side: i % 2 === 0 ? "buy" : "sell",
    type: "limit",
    quantity: 10 as Lots,
    limitPrice: (15_000 + (i % 100)) as Ticks,
    timeInForce: "GTC",
    reduceOnly: false,
    postOnly: false
  }
})

const program = Effect.gen(function* () {
  let bytes = 0
  yield* Effect.scoped(
    Effect.gen(function* () {
      const journal = yield* open(options, () => undefined)
      for (let i = 1; i <= RECORDS; i++) {
        const payload = packr.pack(command(i))
        bytes += payload.length
        journal.append(payload)
        if (i % BURST === 0) yield* journal.sync
      }
      yield* journal.sync
    })
  )
  const replay = (apply: (payload: Uint8Array) => void) =>
    Effect.gen(function* () {
      const start = performance.now()
      const replayed = yield* Effect.scoped(
        Effect.map(
          open(options, (_, payload) => apply(payload)),
          (journal) => journal.recovered.replayed
        )
      )
      if (replayed !== RECORDS) throw new Error(`replayed ${replayed} of ${RECORDS}`)
      return (performance.now() - start) / 1000
    })
  let decoded = 0
  const seconds = yield* replay(() => undefined)
  const decodeSeconds = yield* replay((payload) => {
    if ((packr.unpack(payload) as SubmitOrder).request.quantity === 10) decoded++
  })
  if (decoded !== RECORDS) throw new Error(`decoded ${decoded} of ${RECORDS}`)
  return { seconds, decodeSeconds, bytes }
})

const { seconds, decodeSeconds, bytes } = await Effect.runPromise(program).finally(() =>
  rmSync(dir, { recursive: true, force: true })
)
console.log(
  JSON.stringify({
    bench: "recovery",
    runtime: process.versions.bun === undefined ? `node ${process.versions.node}` : `bun ${process.versions.bun}`,
    records: RECORDS,
    record_bytes: Math.round(bytes / RECORDS),
    replay_s: Number(seconds.toFixed(3)),
    events_per_s: Math.round(RECORDS / seconds),
    replay_decoded_s: Number(decodeSeconds.toFixed(3)),
    decoded_events_per_s: Math.round(RECORDS / decodeSeconds)
  })
)
