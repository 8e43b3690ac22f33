import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { nodeJournalFiles } from "../../../runtimes/node/NodeJournalFiles"
import { AAPL, currencies } from "../../../test/fixtures/instruments"
import type { AccountId, ClientOrderId, CurrencyCode } from "../../domain/Ids"
import type { Lots, Ticks, Timestamp } from "../../domain/Units"
import { AccountsShard } from "./AccountsShard"
import { type SenderTail, SenderTails, senderTailOf } from "./SenderTails"
import type { ShardInput } from "./ShardInput"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const ACC = "acc-1" as AccountId
let clock = 1_700_000_000_000_000
const shardIn = (dir: string, snapshots: false | { everyInputs: number }) =>
  AccountsShard.open({
    journal: { files: nodeJournalFiles, dir },
    accounts: [{ id: ACC, name: "one", kind: "margin", baseCurrency: "USD" as CurrencyCode }],
    instruments: [AAPL],
    currencies,
    now: () => ++clock,
    snapshots
  })

const bytes = (...values: Array<number>) => values.map((v) => new Uint8Array([v, v + 1, v + 2]))
const tail = (first: number, ...values: Array<number>): SenderTail => ({
  sender: "strategies-1",
  first,
  records: bytes(...values)
})

/** A submission carrying `carried`, as the Accounts Service hands it to the shard. */
const buy = (id: string, carried: SenderTail): ShardInput =>
  ({
    _tag: "SubmitOrder",
    ts: 0 as Timestamp,
    request: {
      accountId: ACC,
      strategyId: "s" as never,
      clientOrderId: id as ClientOrderId,
      instrumentId: AAPL.id,
      side: "buy",
      type: "limit",
      quantity: 1 as Lots,
      limitPrice: 15_000 as Ticks,
      timeInForce: "GTC",
      reduceOnly: false,
      postOnly: false
    },
    senderTail: carried
  }) as ShardInput

describe("SenderTails", () => {
  it("decodes a command's tail, or names the field that is wrong", () => {
    expect(senderTailOf({ _tag: "SubmitOrder" })).toEqual({})
    expect(senderTailOf({ senderTail: tail(3, 1) }).tail).toEqual(tail(3, 1))
    expect(senderTailOf({ senderTail: { ...tail(3, 1), first: 0 } }).invalid).toMatch(/^senderTail\.first: /)
    expect(senderTailOf({ senderTail: { ...tail(3, 1), records: ["x"] } }).invalid).toMatch(/^senderTail\.records\.0: /)
  })

  it("keeps each sender's tail that reaches furthest, and answers what follows a point", () => {
    const tails = new SenderTails()
    tails.note(tail(5, 10, 20, 30))
    tails.note(tail(5, 10)) // a resend of an earlier command: reaches less far
    expect(tails.after("strategies-1", 4)).toEqual({ first: 5, records: bytes(10, 20, 30) })
    expect(tails.after("strategies-1", 6)).toEqual({ first: 7, records: bytes(30) })
    expect(tails.after("strategies-1", 7).records).toEqual([])
    expect(tails.after("another", 0).records).toEqual([])
  })

  it.live("are journaled with their commands: a restart, from the journal or from a snapshot, still answers them", () =>
    Effect.gen(function* () {
      for (const snapshots of [false, { everyInputs: 1 }] as const) {
        const dir = mkdtempSync(join(tmpdir(), "meridian-sender-tails-"))
        dirs.push(dir)
        yield* Effect.scoped(
          Effect.gen(function* () {
            const shard = yield* shardIn(dir, snapshots)
            shard.handle(buy("o-1", tail(1, 1, 2)))
            shard.handle(buy("o-2", tail(2, 2, 3, 4)))
            yield* shard.sync
            if (snapshots !== false) yield* shard.snapshot
          })
        )
        const reopened = yield* Effect.scoped(
          Effect.map(shardIn(dir, snapshots), (shard) => ({
            tail: shard.senderTails.after("strategies-1", 1),
            fromSnapshot: shard.recovered.snapshot !== undefined
          }))
        )
        expect(reopened.fromSnapshot).toBe(snapshots !== false)
        // Read back from the journal as Buffers: compared by their bytes.
        expect(reopened.tail.first).toBe(2)
        expect(reopened.tail.records.map((r) => [...r])).toEqual(bytes(2, 3, 4).map((r) => [...r]))
      }
    })
  )
})
