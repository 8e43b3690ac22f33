/**
 * The operator's requests to the Accounts Service over the protocol, with two shards on loopback: a limit change,
 * the firm's kill switch (every shard cancels its open orders and refuses new ones), and `RiskControls`, before and
 * after a restart from a snapshot and the journal after it.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { nodeJournalFiles } from "../../../runtimes/node/NodeJournalFiles"
import { nodeTransport } from "../../../runtimes/node/NodeTransport"
import { AAPL, currencies } from "../../../test/fixtures/instruments"
import type { AccountId, CurrencyCode } from "../../domain/Ids"
import { type Client, connect } from "../../protocol/Protocol"
import { tcp } from "../../protocol/Transport"
import { serveAccounts } from "./AccountsServer"
import { RiskControls, riskControlsRequest } from "./RiskControls"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const USD = "USD" as CurrencyCode
const account = (id: string) => ({ id: id as AccountId, name: id, kind: "margin" as const, baseCurrency: USD })
let clock = 1_700_000_000_000_000

/** The service with ACC-1 on shard 0 and ACC-2 on shard 1, journaled under `dir`, and a client of it. */
const service = (dir: string) =>
  Effect.gen(function* () {
    const served = yield* serveAccounts({
      transport: nodeTransport,
      address: tcp("127.0.0.1", 0),
      identity: { service: "accounts", instance: "test" },
      keys: (peer) => (peer === "cli" ? "k" : undefined),
      shards: ["ACC-1", "ACC-2"].map((id, i) => ({
        journal: { files: nodeJournalFiles, dir: join(dir, `shard-${i}`) },
        accounts: [account(id)],
        instruments: [AAPL],
        currencies,
        now: () => ++clock
      }))
    })
    const address = served.server.address
    const port = "port" in address ? address.port : 0
    const client = yield* connect({
      transport: nodeTransport,
      address: tcp("127.0.0.1", port),
      identity: { service: "cli", instance: "panel" },
      key: "k"
    })
    return { served, client }
  })

const buy = (accountId: string, clientOrderId: string, quantity = 10) => ({
  _tag: "SubmitOrder",
  ts: 0,
  request: {
    accountId,
    clientOrderId,
    instrumentId: AAPL.id,
    side: "buy",
    type: "limit",
    quantity,
    limitPrice: 15_000,
    timeInForce: "GTC",
    reduceOnly: false,
    postOnly: false
  }
})
const deposit = (accountId: string) => ({
  _tag: "Deposit",
  accountId,
  currency: "USD",
  amount: 100_000_000,
  reference: "seed",
  ts: 0
})
const halt = (halted: boolean, requestId: string) => ({
  _tag: "SetTradingHalt",
  scope: { _tag: "Firm" },
  halted,
  reason: "desk test",
  ts: 0,
  requestId
})

const controls = (client: Client) =>
  Effect.flatMap(client.call(riskControlsRequest), Schema.decodeUnknown(RiskControls))
const scopeOf = (found: RiskControls, tag: string, accountId?: string) =>
  found.scopes.find(
    (s) =>
      s.scope._tag === tag && (accountId === undefined || ("accountId" in s.scope && s.scope.accountId === accountId))
  )

describe("Accounts Service: the operator's requests", () => {
  it.effect(
    "a limit change and the firm's kill switch are journaled, fan out to every shard, and survive a restart",
    () =>
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "meridian-operator-"))
        dirs.push(dir)
        yield* Effect.scoped(
          Effect.gen(function* () {
            const { served, client } = yield* service(dir)
            for (const id of ["ACC-1", "ACC-2"]) {
              expect(yield* client.call(deposit(id))).toMatchObject({ _tag: "Accepted" })
              expect(yield* client.call({ _tag: "Mark", instrumentId: AAPL.id, price: 15_000, ts: 0 })).toMatchObject({
                _tag: "Accepted"
              })
              expect(yield* client.call(buy(id, `${id}-open`))).toMatchObject({ _tag: "Accepted" })
            }
            const limits = { _tag: "SetRiskLimits", scope: { _tag: "Account", accountId: "ACC-1" }, ts: 0 }
            const limit = { ...limits, limits: { maxOrderQuantity: 5 }, requestId: "audit-1" }
            expect(yield* client.call(limit)).toMatchObject({ _tag: "Accepted" })
            expect(yield* client.call(buy("ACC-1", "too-big", 6))).toMatchObject({
              _tag: "Refused",
              reason: "MAX_ORDER_QUANTITY"
            })
            const halted = yield* client.call(halt(true, "audit-2"))
            expect(halted).toMatchObject({ _tag: "Accepted" })
            // A resend under the same request id is answered (by the last shard to answer) as the first time, and
            // nothing is canceled twice.
            expect(yield* client.call(halt(true, "audit-2"))).toMatchObject({ _tag: "Accepted", orderIds: [] })
            // Every shard asked its venue to cancel its open order, and told its account's stream.
            served.shards.forEach((shard, i) => {
              const venue = shard.executions.read(1, 100) ?? []
              expect(venue.map((c) => c._tag)).toEqual(["VenueSubmit", "VenueCancel"])
              expect(venue[1]).toMatchObject({ accountId: `ACC-${i + 1}` })
              const events = shard.events.read(1, 100) ?? []
              expect(events.at(-1)).toMatchObject({
                _tag: "KillSwitchChanged",
                active: true,
                reason: "the firm: halted by the operator: desk test"
              })
            })
            expect(yield* client.call(buy("ACC-2", "while-halted", 1))).toMatchObject({
              _tag: "Refused",
              reason: "KILL_SWITCH"
            })
            const found = yield* controls(client)
            expect(scopeOf(found, "Firm")).toMatchObject({ halted: true, killed: false })
            expect(scopeOf(found, "Account", "ACC-1")).toMatchObject({ limits: { maxOrderQuantity: 5 }, halted: false })
            // A snapshot holds the switch; the limit change after it is replayed from the journal.
            for (const shard of served.shards) yield* shard.snapshot
            expect(
              yield* client.call({ ...limits, limits: { maxOrderQuantity: 7 }, requestId: "audit-3" })
            ).toMatchObject({
              _tag: "Accepted"
            })
            // A bad limit is refused with the field named, and changes nothing.
            const bad = yield* Effect.flip(
              client.call({ ...limits, limits: { maxOrderQuantity: -1 }, requestId: "bad" })
            )
            expect(JSON.stringify(bad)).toContain("maxOrderQuantity")
          })
        )
        yield* Effect.scoped(
          Effect.gen(function* () {
            const { served, client } = yield* service(dir)
            expect(served.shards.map((s) => s.recovered.snapshot !== undefined)).toEqual([true, true])
            const found = yield* controls(client)
            expect(scopeOf(found, "Firm")).toMatchObject({ halted: true })
            expect(scopeOf(found, "Account", "ACC-1")).toMatchObject({ limits: { maxOrderQuantity: 7 } })
            expect(yield* client.call(buy("ACC-1", "after-restart", 1))).toMatchObject({
              _tag: "Refused",
              reason: "KILL_SWITCH"
            })
            // Resuming is its own request; then orders pass again, within the limit.
            expect(yield* client.call(halt(false, "audit-4"))).toMatchObject({ _tag: "Accepted" })
            expect(served.shards[0]!.events.read(served.shards[0]!.events.last, 1)).toMatchObject([
              { _tag: "KillSwitchChanged", active: false }
            ])
            expect(yield* client.call(buy("ACC-1", "resumed", 7))).toMatchObject({ _tag: "Accepted" })
            expect(yield* client.call(buy("ACC-1", "resumed-big", 8))).toMatchObject({ _tag: "Refused" })
          })
        )
      })
  )
})
