import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { nodeJournalFiles } from "../../../runtimes/node/NodeJournalFiles"
import type { ExecutionReport } from "../../domain/Commands"
import type { MarketDataEvent } from "../../domain/MarketData"
import type { Connector } from "./Connector"
import { type Outgoing, VenueSession } from "./VenueSession"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A venue that accepts each cancel's order under an id counting the inputs it saw, so order matters. */
const countingVenue =
  (seen: Array<string>) =>
  (report: (report: ExecutionReport) => void): Connector => ({
    execute: (command) => {
      seen.push(command._tag)
      report({
        _tag: "VenueAccepted",
        ...(command._tag === "VenueSubmit"
          ? { accountId: command.order.accountId, orderId: command.order.orderId }
          : { accountId: command.accountId, orderId: command.orderId }),
        venueOrderId: `V-${seen.length}` as never,
        ts: command.ts
      })
    },
    marketData: (event: MarketDataEvent) => {
      seen.push(event._tag)
    }
  })

const open = (dir: string, seen: Array<string>) =>
  VenueSession.open({
    journal: { files: nodeJournalFiles, dir },
    shards: 2,
    marks: true,
    connector: countingVenue(seen)
  })

const cancel = (orderId: string) => ({
  _tag: "VenueCancel",
  accountId: "ACC-1",
  orderId,
  instrumentId: "AAPL.XNAS",
  ts: 5
})
const quote = (ts: number, bid: number) => ({
  _tag: "Quote",
  instrumentId: "AAPL.XNAS",
  ts,
  bidPrice: bid,
  bidSize: 1,
  askPrice: bid + 10,
  askSize: 1
})

/** Apply inputs and wait until each handed out what it produced (once durable; nothing at once); by input. */
const apply = (inputs: ReadonlyArray<(send: (o: ReadonlyArray<Outgoing>) => void) => unknown>) =>
  Effect.async<Array<ReadonlyArray<Outgoing>>>((resume) => {
    const sent = new Array<ReadonlyArray<Outgoing>>(inputs.length)
    let waiting = inputs.length
    for (const [i, input] of inputs.entries()) {
      input((outgoing) => {
        sent[i] = outgoing
        if (--waiting === 0) resume(Effect.succeed(sent))
      })
    }
  })

describe("VenueSession", () => {
  it.effect("sends what an input produced once durable, the mark after the venue saw the event", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "meridian-venue-session-"))
        dirs.push(dir)
        const seen: Array<string> = []
        const session = yield* open(dir, seen)
        const sent = yield* apply([
          (send) => session.marketData(1, quote(10, 100), send),
          (send) => session.command(1, 1, cancel("O1"), send),
          // Already applied, and not decodable: nothing goes out, and the sequence moves on.
          (send) => session.marketData(1, quote(10, 100), send),
          (send) => expect(session.marketData(2, { _tag: "Quote" }, send)).toMatchObject({ _tag: "Skipped" })
        ])
        expect(sent).toEqual([
          [{ _tag: "Mark", instrumentId: "AAPL.XNAS", price: 105, ts: 10 }],
          [{ _tag: "VenueAccepted", accountId: "ACC-1", orderId: "O1", venueOrderId: "V-2", ts: 5 }],
          [],
          []
        ])
        expect([session.market, session.executions]).toEqual([2, [0, 1]])
      })
    )
  )

  it.effect("replays its journal through a fresh venue: the same reports again, each instrument's last mark", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "meridian-venue-session-"))
      dirs.push(dir)
      const first: Array<string> = []
      const sent = yield* Effect.scoped(
        Effect.flatMap(open(dir, first), (session) =>
          apply([
            (send) => session.command(0, 1, cancel("O1"), send),
            (send) => session.marketData(1, quote(10, 100), send),
            (send) => session.command(1, 1, cancel("O2"), send),
            (send) => session.marketData(2, quote(20, 200), send)
          ])
        )
      )
      const again: Array<string> = []
      yield* Effect.scoped(
        Effect.gen(function* () {
          const session = yield* open(dir, again)
          expect(again).toEqual(first)
          expect(session.recovered).toEqual([sent[0]![0], sent[2]![0], sent[3]![0]])
          expect([session.market, session.executions]).toEqual([2, [1, 1]])
        })
      )
    })
  )
})
