import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { unpack } from "msgpackr"
import { nodeJournalFiles } from "../../../runtimes/node/NodeJournalFiles"
import { AAPL, currencies } from "../../../test/fixtures/instruments"
import type { AccountId, ClientOrderId, CurrencyCode, OrderId, TradeId, VenueOrderId } from "../../domain/Ids"
import type { Lots, Minor, Ticks, Timestamp } from "../../domain/Units"
import { AccountsShard, type Outcome, type SnapshotOptions } from "./AccountsShard"
import type { ShardInput } from "./ShardInput"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-shard-snapshot-"))
  dirs.push(dir)
  return dir
}

const ACC = "acc-1" as AccountId
const ACC2 = "acc-2" as AccountId
const USD = "USD" as CurrencyCode

const shardIn = (dir: string, snapshots: SnapshotOptions | false) =>
  AccountsShard.open({
    journal: { files: nodeJournalFiles, dir, segmentBytes: 64 * 1024 },
    accounts: [
      { id: ACC, name: "one", kind: "margin", baseCurrency: USD },
      { id: ACC2, name: "two", kind: "cash", baseCurrency: USD }
    ],
    instruments: [AAPL],
    currencies,
    now: (input) => input.ts,
    snapshots
  })

/**
 * Input `i` of a run that touches most of the state: deposits, marks, limits with a rate window, orders that work,
 * fill, cancel or are refused, OTO lists whose children wait, resends of client order ids.
 */
const input = (i: number): ShardInput => {
  const ts = (1_700_000_000_000_000 + i * 1_000_000) as Timestamp
  const account = i % 5 === 0 ? ACC2 : ACC
  const n = Math.floor(i / 7)
  switch (i % 7) {
    case 0:
      return i % 14 === 0
        ? { _tag: "Deposit", accountId: account, currency: USD, amount: 1_000_000 as Minor, reference: `d${i}`, ts }
        : { _tag: "Mark", instrumentId: AAPL.id, price: (15_000 + (i % 40)) as Ticks, ts }
    case 1:
    case 2:
      return {
        _tag: "SubmitOrder",
        ts,
        request: {
          accountId: account,
          clientOrderId: `c${n % 300}-${i % 7}` as ClientOrderId,
          instrumentId: AAPL.id,
          side: n % 3 === 0 ? "sell" : "buy",
          type: "limit",
          quantity: (1 + (n % 4)) as Lots,
          limitPrice: (15_000 + (n % 9)) as Ticks,
          timeInForce: "GTC",
          reduceOnly: false,
          postOnly: false
        }
      }
    case 3:
      return {
        _tag: "VenueAccepted",
        accountId: ACC,
        orderId: `O${n}` as OrderId,
        venueOrderId: `v${n}` as VenueOrderId,
        ts
      }
    case 4:
      return {
        _tag: "VenueFilled",
        accountId: ACC,
        orderId: `O${n}` as OrderId,
        ts,
        tradeId: `t${i}` as TradeId,
        quantity: 1 as Lots,
        price: 15_001 as Ticks,
        fee: 2 as Minor,
        feeCurrency: USD,
        liquidity: "maker"
      }
    case 5:
      return n % 2 === 0
        ? { _tag: "CancelOrder", accountId: ACC, clientOrderId: `c${(n - 1) % 300}-1` as ClientOrderId, ts }
        : {
            _tag: "SubmitOrderList",
            listId: `l${n}`,
            contingency: "OTO",
            ts,
            orders: [
              {
                accountId: ACC,
                clientOrderId: `p${n}` as ClientOrderId,
                instrumentId: AAPL.id,
                side: "buy",
                type: "limit",
                quantity: 2 as Lots,
                limitPrice: 14_990 as Ticks,
                timeInForce: "GTC",
                reduceOnly: false,
                postOnly: false
              },
              {
                accountId: ACC,
                clientOrderId: `k${n}` as ClientOrderId,
                instrumentId: AAPL.id,
                side: "sell",
                type: "limit",
                quantity: 2 as Lots,
                limitPrice: 15_100 as Ticks,
                timeInForce: "GTC",
                reduceOnly: false,
                postOnly: false
              }
            ]
          }
    default:
      return n % 10 === 0
        ? {
            _tag: "SetRiskLimits",
            scope: { _tag: "Account", accountId: ACC },
            limits: { maxOpenOrders: 400, maxOrdersPerWindow: 50 + (n % 3), orderRateWindow: 10_000_000 },
            ts
          }
        : { _tag: "VenueCanceled", accountId: ACC, orderId: `O${n - 3}` as OrderId, ts }
  }
}

const run = (shard: AccountsShard, from: number, to: number) =>
  Effect.gen(function* () {
    const outcomes: Array<Outcome> = []
    for (let i = from; i < to; i++) shard.handle(input(i), (outcome) => outcomes.push(outcome))
    yield* shard.sync
    return outcomes
  })

/** Where two decoded images first differ (a path), or undefined: a readable failure instead of two blobs. */
const firstDifference = (a: unknown, b: unknown, path = ""): string | undefined => {
  if (Object.is(a, b)) return undefined
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return `${path}: ${String(a)} vs ${String(b)}`
  }
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    return Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength)
    ) === 0
      ? undefined
      : `${path}: bytes differ`
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
  for (const key of keys) {
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}/${key}`
    )
    if (found !== undefined) return found
  }
  return undefined
}

/** The state and the next sequences of the shard in `dir`, recovered (with or without its snapshots). */
const recovered = (dir: string, more: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      // The images keep the events a snapshot keeps (the latest 500): older ones differ by design.
      const shard = yield* shardIn(dir, { everyInputs: 1e9, events: 500 })
      const image = shard.image()
      const state = {
        image: Buffer.from(image).toString("base64"),
        events: shard.events.last,
        executions: shard.executions.last,
        lastSeq: shard.recovered.lastSeq
      }
      // Both go on alike: the same outcomes and the same state after more inputs.
      const outcomes = yield* run(shard, 3_000, 3_000 + more)
      return {
        state,
        decoded: unpack(image) as unknown,
        outcomes,
        after: Buffer.from(shard.image()).toString("base64"),
        recovered: shard.recovered
      }
    })
  )

/** A copy of the journal without its snapshots: what a full replay recovers. */
const withoutSnapshots = (dir: string) => {
  const copy = tempDir()
  cpSync(dir, copy, { recursive: true })
  for (const name of readdirSync(copy)) if (name.endsWith(".snap")) rmSync(join(copy, name))
  return copy
}

describe("AccountsShard snapshots", () => {
  // Live: the snapshots are written alongside, on the real clock.
  it.live("recovers from snapshot and tail to the state a full replay gives, byte for byte", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const shard = yield* shardIn(dir, { everyInputs: 700, events: 500 })
          const outcomes: Array<Outcome> = []
          // In bursts, as clients send: a snapshot is taken at most once per write.
          for (let from = 0; from < 2_950; from += 250) {
            outcomes.push(...(yield* run(shard, from, Math.min(from + 250, 2_950))))
            yield* Effect.sleep("20 millis")
          }
          expect(outcomes.filter((o) => o._tag === "Accepted").length).toBeGreaterThan(1_000)
          expect(outcomes.some((o) => o._tag === "Refused" && o.reason === "DUPLICATE_CLIENT_ORDER_ID")).toBe(false)
          // Let the last snapshot's write finish.
          yield* Effect.sleep("200 millis")
          expect(shard.snapshotsWritten).toBeGreaterThanOrEqual(3)
          expect(shard.snapshotProblem).toBeUndefined()
        })
      )
      const full = yield* recovered(withoutSnapshots(dir), 300)
      const fromSnapshot = yield* recovered(dir, 300)
      expect(full.recovered.snapshot).toBeUndefined()
      expect(fromSnapshot.recovered.snapshot?.seq).toBeGreaterThan(2_000)
      expect(fromSnapshot.recovered.replayed).toBeLessThan(1_000)
      expect(firstDifference(fromSnapshot.decoded, full.decoded)).toBeUndefined()
      expect(fromSnapshot.state).toEqual(full.state)
      expect(fromSnapshot.outcomes).toEqual(full.outcomes)
      expect(fromSnapshot.after).toBe(full.after)
    })
  )

  it.effect("keeps the latest events for subscribers and numbers new ones on", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const shard = yield* shardIn(dir, { everyInputs: 1e9, events: 100 })
          yield* run(shard, 0, 1_000)
          yield* shard.snapshot
        })
      )
      yield* Effect.scoped(
        Effect.gen(function* () {
          const full = yield* shardIn(withoutSnapshots(dir), false)
          const shard = yield* shardIn(dir, false)
          expect(shard.recovered.replayed).toBe(0)
          expect(shard.events.last).toBe(full.events.last)
          expect(shard.events.first).toBe(full.events.last - 99)
          expect(shard.events.read(shard.events.first, 1_000)).toEqual(full.events.read(shard.events.first, 1_000))
          expect(shard.executions.read(shard.executions.first, 1_000)).toEqual(
            full.executions.read(shard.executions.first, 1_000)
          )
        })
      )
    })
  )

  it.effect("falls back to a full replay, and says why, when the snapshot is damaged or left half written", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const shard = yield* shardIn(dir, false)
          yield* run(shard, 0, 1_500)
          yield* shard.snapshot
          yield* run(shard, 1_500, 2_000)
        })
      )
      const [snap] = readdirSync(dir).filter((name) => name.endsWith(".snap"))
      const bytes = readFileSync(join(dir, snap!))
      // A kill -9 while writing the next snapshot leaves its temporary file; one in place but cut short is damaged.
      writeFileSync(join(dir, `${snap}.tmp`), bytes.subarray(0, bytes.length >> 1))
      writeFileSync(join(dir, snap!), bytes.subarray(0, bytes.length - 10))
      const full = yield* recovered(withoutSnapshots(dir), 100)
      const fallback = yield* recovered(dir, 100)
      expect(fallback.recovered.snapshot).toBeUndefined()
      expect(fallback.recovered.snapshotProblems).toEqual([`${snap}: damaged (fails its checksum or is cut short)`])
      expect(fallback.state).toEqual(full.state)
      expect(fallback.after).toBe(full.after)
    })
  )

  it.effect("refuses a snapshot taken with another configuration and replays the journal instead", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const shard = yield* shardIn(dir, false)
          yield* run(shard, 0, 500)
          yield* shard.snapshot
        })
      )
      const other = yield* Effect.scoped(
        Effect.map(
          AccountsShard.open({
            journal: { files: nodeJournalFiles, dir },
            accounts: [{ id: ACC, name: "one", kind: "margin", baseCurrency: USD }],
            instruments: [AAPL],
            currencies,
            now: (input) => input.ts
          }),
          (shard) => shard.recovered
        )
      )
      expect(other.snapshot).toBeUndefined()
      expect(other.snapshotProblems[0]).toMatch(/other accounts, instruments or currencies/)
      expect(other.replayed).toBe(other.lastSeq)
    })
  )
})
