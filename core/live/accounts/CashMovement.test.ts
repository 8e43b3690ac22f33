/**
 * An approved cash request on the Accounts Service over the wire: journaled before it is answered, applied once
 * however often it is sent (before and after a restart of the service on the same journal), and seen in the
 * `AccountValues` answer; a withdrawal beyond free cash is refused with one line.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { nodeJournalFiles } from "../../../runtimes/node/NodeJournalFiles"
import { nodeTransport } from "../../../runtimes/node/NodeTransport"
import { AAPL, currencies } from "../../../test/fixtures/instruments"
import type { AccountId, CurrencyCode } from "../../domain/Ids"
import * as Protocol from "../../protocol/Protocol"
import { tcp } from "../../protocol/Transport"
import { serveAccounts } from "./AccountsServer"
import type { AccountValues } from "./AccountValues"
import { cashMovementInput } from "./CashMovement"

const KEY = "cash-test-key"
const dir = mkdtempSync(join(tmpdir(), "meridian-cash-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const ACC = "inv-1" as AccountId
let clock = 1_700_000_000_000_000

/** The service on a free port over `dir`'s journal, and a client of it, until `scope` closes. */
const start = (scope: Scope.Scope) =>
  Effect.gen(function* () {
    const service = yield* serveAccounts({
      transport: nodeTransport,
      address: tcp("127.0.0.1", 0),
      identity: { service: "accounts", instance: "a1" },
      keys: (peer) => (peer === "cli" ? KEY : undefined),
      shards: [
        {
          journal: { files: nodeJournalFiles, dir },
          accounts: [{ id: ACC, name: "Investor one", kind: "cash", baseCurrency: "USD" as CurrencyCode }],
          instruments: [AAPL],
          currencies,
          now: () => ++clock
        }
      ]
    })
    const address = service.server.address
    const client = yield* Protocol.connect({
      transport: nodeTransport,
      address: tcp("127.0.0.1", address._tag === "Tcp" ? address.port : 0),
      identity: { service: "cli", instance: "test" },
      key: KEY
    })
    return client
  }).pipe(Scope.extend(scope))

const move = (id: string, kind: "deposit" | "withdrawal", amount: number) =>
  cashMovementInput({ requestId: id, accountId: ACC, kind, currency: "USD", amount })

const usd = (values: unknown) => (values as AccountValues).accounts[0]?.cash.find((c) => c.currency === "USD")

describe("an approved cash request on the Accounts Service", () => {
  it.live("is applied once however often it is sent, across a restart", () =>
    Effect.gen(function* () {
      const first = yield* Scope.make()
      const client = yield* start(first)
      const tooMuch = yield* client.call(move("r0", "withdrawal", 1))
      expect(tooMuch).toMatchObject({ _tag: "Refused", reason: "INSUFFICIENT_FUNDS" })
      expect((tooMuch as { message: string }).message).not.toContain("\n")
      const deposited = yield* client.call(move("r1", "deposit", 100_000))
      const withdrawn = yield* client.call(move("r2", "withdrawal", 25_000))
      expect(withdrawn).toMatchObject({ _tag: "Accepted" })
      // Approved twice (or resent after a lost answer): the first outcome, nothing moved again.
      expect(yield* client.call(move("r2", "withdrawal", 25_000))).toEqual(withdrawn)
      const values = yield* client.call({ _tag: "AccountValues", accountIds: [ACC] })
      expect(usd(values)).toEqual({ currency: "USD", total: 75_000, reserved: 0, free: 75_000 })
      expect((values as AccountValues).accounts[0]).toMatchObject({ nav: 75_000, baseCurrency: "USD" })
      expect((values as AccountValues).decimals.USD).toBe(2)
      yield* Scope.close(first, Exit.void)

      // A new process over the same journal: the same answers, the same cash.
      const second = yield* Scope.make()
      const again = yield* start(second)
      expect(yield* again.call(move("r2", "withdrawal", 25_000))).toEqual(withdrawn)
      expect(yield* again.call(move("r1", "deposit", 100_000))).toEqual(deposited)
      expect(usd(yield* again.call({ _tag: "AccountValues" }))).toMatchObject({ total: 75_000 })
      const bad = yield* Effect.flip(again.call({ _tag: "AccountValues", accountIds: [""] }))
      expect(bad).toBeDefined()
      yield* Scope.close(second, Exit.void)
    })
  )
})
