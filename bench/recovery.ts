/**
 * Recovery of an Accounts shard: 1,000,000 inputs (after a deposit and a mark, cycles of a limit order's
 * submission, its acceptance by the venue and its fill) handled by a shard with snapshots on, in bursts of 4 096
 * each made durable. It takes a snapshot every 250 001 inputs, so that the last one is ≈ 250 000 inputs before the
 * end: about the longest tail the default interval (250 000) leaves. Then the journal is reopened three times: handing
 * each record over unread (the journal's own cost: reading, checksums, sequence), as a shard recovers from the whole
 * journal (its snapshot set aside: decoding each input and applying it to the Accounts engine, events and all), and
 * as a shard recovers from its snapshot and the tail. Both shards must end in the same state, byte for byte. The
 * clock runs over the reopenings only. Prints one JSON line.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import type {
  AccountId,
  ClientOrderId,
  CurrencyCode,
  OrderId,
  StrategyId,
  TradeId,
  VenueOrderId
} from "../core/domain/Ids"
import type { Lots, Minor, Ticks, Timestamp } from "../core/domain/Units"
import { open } from "../core/journal/Journal"
import { AccountsShard, type SnapshotOptions } from "../core/live/accounts/AccountsShard"
import type { ShardInput } from "../core/live/accounts/ShardInput"
import { nodeJournalFiles } from "../runtimes/node/NodeJournalFiles"
import { AAPL, currencies } from "../test/fixtures/instruments"

const INPUTS = 1_000_000
const BURST = 4_096
const ACC = "bench" as AccountId
const USD = "USD" as CurrencyCode
const dir = mkdtempSync(join(tmpdir(), "meridian-bench-recovery-"))
const journal = { files: nodeJournalFiles, dir }

/** Input `i` of the run: a deposit, a mark, then submit / accept / fill of order n = (i - 2) / 3. */
const input = (i: number): ShardInput => {
  const ts = (1_700_000_000_000_000 + i) as Timestamp
  if (i === 0) return { _tag: "Deposit", accountId: ACC, currency: USD, amount: 1e13 as Minor, reference: "bench", ts }
  if (i === 1) return { _tag: "Mark", instrumentId: AAPL.id, price: 15_000 as Ticks, ts }
  const n = Math.floor((i - 2) / 3)
  const orderId = `O${n + 1}` as OrderId
  switch ((i - 2) % 3) {
    case 0:
      return {
        _tag: "SubmitOrder",
        ts,
        request: {
          accountId: ACC,
          strategyId: "bench" as StrategyId,
          clientOrderId: `c${n}` as ClientOrderId,
          instrumentId: AAPL.id,
          side: n % 2 === 0 ? "buy" : "sell",
          type: "limit",
          quantity: 10 as Lots,
          limitPrice: 15_000 as Ticks,
          timeInForce: "GTC",
          reduceOnly: false,
          postOnly: false
        }
      }
    case 1:
      return { _tag: "VenueAccepted", accountId: ACC, orderId, venueOrderId: `v${n}` as VenueOrderId, ts }
    default:
      return {
        _tag: "VenueFilled",
        accountId: ACC,
        orderId,
        ts,
        tradeId: `t${n}` as TradeId,
        quantity: 10 as Lots,
        price: 15_000 as Ticks,
        fee: 0 as Minor,
        feeCurrency: USD,
        liquidity: "maker"
      }
  }
}

const shardIn = (snapshots: SnapshotOptions | false) =>
  AccountsShard.open({
    journal,
    accounts: [{ id: ACC, name: "bench", kind: "margin", baseCurrency: USD }],
    instruments: [AAPL],
    currencies,
    now: (input) => input.ts,
    snapshots
  })

/** A shard's recovery: how long it took, the records it replayed, its state (as a snapshot holds it). */
const recovery = Effect.scoped(
  Effect.gen(function* () {
    const start = performance.now()
    const shard = yield* shardIn({ everyInputs: Number.MAX_SAFE_INTEGER })
    const seconds = (performance.now() - start) / 1000
    // Orders alternate buy and sell: an even count of fills leaves the position flat.
    const position = shard.state.portfolio(ACC).positionQuantity(0)
    if (position !== (Math.floor((INPUTS - 2) / 3) % 2 === 0 ? 0 : 10)) throw new Error(`position ${position}`)
    return { seconds, recovered: shard.recovered, image: shard.image() }
  })
)

const program = Effect.gen(function* () {
  const written = yield* Effect.scoped(
    Effect.gen(function* () {
      const shard = yield* shardIn({ everyInputs: 250_001 })
      for (let i = 0; i < INPUTS; i++) {
        shard.handle(input(i))
        if (i % BURST === 0) yield* shard.sync
      }
      yield* shard.sync
      // The last snapshot's write goes on alongside: wait for it.
      for (let waited = 0; shard.lastSnapshotSeq < 750_000 && waited < 1_000; waited++) yield* Effect.sleep("10 millis")
      return { stats: shard.journalStats(), snapshots: shard.snapshotsWritten }
    })
  )
  const journalStart = performance.now()
  const journalOnly = yield* Effect.scoped(
    Effect.map(
      open(journal, () => undefined),
      (j) => j.recovered.lastSeq
    )
  )
  const journalSeconds = (performance.now() - journalStart) / 1000
  // The whole journal: the snapshot set aside.
  const aside = join(dir, "aside")
  mkdirSync(aside)
  const snapshots = readdirSync(dir).filter((name) => name.endsWith(".snap"))
  for (const name of snapshots) renameSync(join(dir, name), join(aside, name))
  const full = yield* recovery
  for (const name of snapshots) renameSync(join(aside, name), join(dir, name))
  const fromSnapshot = yield* recovery
  if (fromSnapshot.recovered.snapshot === undefined) throw new Error("the snapshot was not used")
  if (Buffer.compare(fromSnapshot.image, full.image) !== 0) throw new Error("snapshot + tail and full replay differ")
  return { journalSeconds, journalOnly, full, fromSnapshot, written }
})

const result = await Effect.runPromise(program).finally(() => rmSync(dir, { recursive: true, force: true }))
console.log(
  JSON.stringify({
    bench: "recovery",
    runtime: process.versions.bun === undefined ? `node ${process.versions.node}` : `bun ${process.versions.bun}`,
    inputs: INPUTS,
    journal_records: result.journalOnly,
    journal_replay_s: Number(result.journalSeconds.toFixed(3)),
    journal_events_per_s: Math.round(result.journalOnly / result.journalSeconds),
    full_replay_s: Number(result.full.seconds.toFixed(3)),
    full_replay_events_per_s: Math.round(INPUTS / result.full.seconds),
    snapshots_taken: result.written.snapshots,
    snapshot_seq: result.fromSnapshot.recovered.snapshot?.seq,
    snapshot_bytes: result.fromSnapshot.recovered.snapshot?.payload.length,
    tail_records: result.fromSnapshot.recovered.replayed,
    shard_recovery_s: Number(result.fromSnapshot.seconds.toFixed(3)),
    events_per_s: Math.round(INPUTS / result.fromSnapshot.seconds)
  })
)
