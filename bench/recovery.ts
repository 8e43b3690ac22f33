/**
 * Recovery of an Accounts shard: 1,000,000 journaled inputs (after a deposit and a mark, cycles of a limit order's
 * submission, its acceptance by the venue and its fill), encoded as the shard journals them, written with group
 * commit. Then the journal is opened twice: once handing each record over unread (the journal's own cost: reading,
 * checksums, sequence), once as a shard recovers (decoding each input and applying it to the Accounts engine,
 * events and all). The clock runs over the reopenings only. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duration, Effect } from "effect"
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
import { AccountsShard } from "../core/live/accounts/AccountsShard"
import { WalCodec } from "../core/live/accounts/internal/walCodec"
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

const program = Effect.gen(function* () {
  const codec = new WalCodec()
  let records = 0
  let bytes = 0
  yield* Effect.scoped(
    Effect.gen(function* () {
      const writer = yield* open(journal, () => undefined)
      for (let i = 0; i < INPUTS; i++) {
        for (const record of codec.encode(input(i))) {
          writer.append(record)
          records++
          bytes += record.length
        }
        if (i % BURST === 0) yield* writer.sync
      }
      yield* writer.sync
    })
  )
  const timed = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.map(Effect.timed(effect), ([duration, value]) => ({ seconds: Duration.toMillis(duration) / 1000, value }))
  const journalOnly = yield* timed(
    Effect.scoped(
      Effect.map(
        open(journal, () => undefined),
        (j) => j.recovered.replayed
      )
    )
  )
  if (journalOnly.value !== records) throw new Error(`replayed ${journalOnly.value} of ${records} records`)
  const shard = yield* timed(
    Effect.scoped(
      Effect.map(
        AccountsShard.open({
          journal,
          accounts: [{ id: ACC, name: "bench", kind: "margin", baseCurrency: USD }],
          instruments: [AAPL],
          currencies,
          now: () => 0
        }),
        (s) => s.state.portfolio(ACC).positionQuantity(0)
      )
    )
  )
  // Orders alternate buy and sell: an even count of fills leaves the position flat.
  if (shard.value !== (Math.floor((INPUTS - 2) / 3) % 2 === 0 ? 0 : 10)) throw new Error(`position ${shard.value}`)
  return { journalSeconds: journalOnly.seconds, shardSeconds: shard.seconds, records, bytes }
})

const result = await Effect.runPromise(program).finally(() => rmSync(dir, { recursive: true, force: true }))
console.log(
  JSON.stringify({
    bench: "recovery",
    runtime: process.versions.bun === undefined ? `node ${process.versions.node}` : `bun ${process.versions.bun}`,
    inputs: INPUTS,
    journal_records: result.records,
    record_bytes: Math.round(result.bytes / result.records),
    journal_replay_s: Number(result.journalSeconds.toFixed(3)),
    journal_events_per_s: Math.round(result.records / result.journalSeconds),
    shard_recovery_s: Number(result.shardSeconds.toFixed(3)),
    events_per_s: Math.round(INPUTS / result.shardSeconds)
  })
)
