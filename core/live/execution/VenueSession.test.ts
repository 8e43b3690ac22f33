import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { nodeJournalFiles } from "../../../runtimes/node/NodeJournalFiles"
import type { ExecutionCommand, ExecutionReport } from "../../domain/Commands"
import type { MarketDataEvent } from "../../domain/MarketData"
import type { Connector } from "./Connector"
import { type Outgoing, VenueSession } from "./VenueSession"
import type { VenueState } from "./VenueState"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const nothingHeld: VenueState = {
  openOrders: Effect.succeed([]),
  fillsSince: () => Effect.succeed([]),
  balances: Effect.succeed([])
}

/** A venue that accepts each cancel's order under an id counting the inputs it saw, so order matters. */
const countingVenue = (seen: Array<string>): Connector => ({
  _tag: "Deterministic",
  open: (report: (report: ExecutionReport) => void) => ({
    state: nothingHeld,
    execute: (command: ExecutionCommand) => {
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
})

const open = (dir: string, seen: Array<string>, connector: Connector = countingVenue(seen)) =>
  VenueSession.open({
    journal: { files: nodeJournalFiles, dir },
    shards: 2,
    marks: true,
    connector
  })

/** A real venue as the service sees it: what it was sent, and its reports arriving whenever the test says. */
const remoteVenue = (sent: Array<string>): Connector => ({
  _tag: "Venue",
  execution: {
    execute: (command) => void sent.push(command._tag),
    reports: () => Effect.void
  },
  state: nothingHeld
})

const submit = (orderId: string) => ({
  _tag: "VenueSubmit",
  ts: 5,
  order: {
    accountId: "ACC-1",
    strategyId: "s",
    clientOrderId: `c-${orderId}`,
    orderId,
    instrumentId: "AAPL.XNAS",
    side: "buy",
    type: "market",
    quantity: 10,
    filledQuantity: 0,
    filledValue: 0,
    timeInForce: "GTC",
    reduceOnly: false,
    postOnly: false,
    status: "pending-new",
    createdAt: 5,
    updatedAt: 5
  }
})
const fill = (tradeId: string) => ({
  _tag: "VenueFilled",
  accountId: "ACC-1",
  orderId: "O1",
  ts: 6,
  tradeId,
  quantity: 4,
  price: 110,
  fee: 1,
  feeCurrency: "USD",
  liquidity: "taker"
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

  it.effect("a real venue gets each command once durable, never on a replay; its reports are journaled inputs", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "meridian-venue-session-"))
      dirs.push(dir)
      const sent: Array<string> = []
      const out = yield* Effect.scoped(
        Effect.gen(function* () {
          const session = yield* open(dir, [], remoteVenue(sent))
          const out = yield* apply([
            (send) => session.command(0, 1, submit("O1"), send),
            (send) => session.report(fill("T1"), send),
            (send) => expect(session.report(fill("T1"), send)).toMatchObject({ _tag: "Duplicate" }),
            (send) => expect(session.report({ _tag: "VenueFilled" }, send)).toMatchObject({ _tag: "Skipped" })
          ])
          expect(sent).toEqual(["VenueSubmit"])
          expect(session.view.get("ACC-1", "O1")).toMatchObject({ filled: 4, acked: false })
          return out
        })
      )
      expect(out).toEqual([[], [fill("T1")], [], []])
      yield* Effect.scoped(
        Effect.gen(function* () {
          const session = yield* open(dir, [], remoteVenue(sent))
          // Replayed: the fill goes to the Accounts Service again (it books it once), the command not to the venue.
          expect(sent).toEqual(["VenueSubmit"])
          expect(session.recovered).toEqual([fill("T1")])
          expect(session.view.hasTrade("T1")).toBe(true)
          expect(session.executions).toEqual([1, 0])
        })
      )
    })
  )
})
