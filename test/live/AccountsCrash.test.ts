/**
 * kill -9 the Accounts Service at random points while three clients send orders over the protocol, again and
 * again; after each restart the clients resend the last orders, as clients that never heard back would. Every
 * acknowledged order is there exactly once with the order id it was acknowledged with, nothing else is half there,
 * and a resend never makes a second order. The service snapshots its state every 40 inputs, so kills also land
 * while a snapshot is written; at the end, recovery from the latest snapshot and the tail gives the state a replay of
 * the whole journal gives.
 *
 * What a cycle costs grows with the orders so far (the check reads the whole stream, each snapshot holds every
 * event, each start restores it), so a cycle is killed within its first 100 acknowledgements, not 400: the same 50
 * kills at random points, about a quarter of the orders, and on a loaded machine about half the time.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { AccountEvent } from "../../core/domain/Events"
import type { AccountId, CurrencyCode } from "../../core/domain/Ids"
import { latestInstruments } from "../../core/live/accounts/AccountsProgram"
import { AccountsShard } from "../../core/live/accounts/AccountsShard"
import type { Client } from "../../core/protocol/Protocol"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import { nodeJournalFiles } from "../../runtimes/node/NodeJournalFiles"
import { cleanUp, client, configure, follow, KEYS, restingBuy, start, stop } from "./serviceProcess"

afterAll(cleanUp)

const KILLS = Number(process.env.MERIDIAN_CRASH_KILLS ?? 50)
const ACCOUNT = "CRASH"
const IN_FLIGHT = 16
/** A cycle's kill comes after 1 to this many acknowledgements. */
const MAX_ACKS_PER_CYCLE = 100
/** Inputs between snapshots: about two per cycle, so that kills land before, during and after them. */
const SNAPSHOT_EVERY = 40

/** Send orders `c<from>`, `c<from+1>`, ... from three clients until the session dies; record each acknowledgement. */
const sendUntilKilled = (
  clients: ReadonlyArray<Client>,
  from: number,
  acked: Map<string, string>,
  onAck: () => void
) => {
  let next = from
  for (const session of clients) {
    const sendOne = () => {
      const clientOrderId = `c${next++}`
      session.request(restingBuy(ACCOUNT, clientOrderId), (error, value) => {
        if (error !== undefined) return // the service was killed: this one is unacknowledged
        const outcome = value as { _tag: string; orderIds: Array<string> }
        acked.set(clientOrderId, outcome._tag === "Accepted" ? outcome.orderIds[0]! : "refused")
        onAck()
        sendOne()
      })
    }
    for (let k = 0; k < IN_FLIGHT; k++) sendOne()
  }
}

/**
 * The state the shard in `journal` recovers to (as a snapshot holds it), from its snapshot and tail or (`full`) from
 * the whole journal, in a copy of the folder; and whether a snapshot was used.
 */
const recoveredState = (journal: string, full: boolean) =>
  Effect.gen(function* () {
    const dir = mkdtempSync(join(tmpdir(), "meridian-crash-recovery-"))
    cpSync(journal, dir, { recursive: true })
    if (full) for (const name of readdirSync(dir)) if (name.endsWith(".snap")) rmSync(join(dir, name))
    const set = yield* StaticDataSet.loadShipped
    const shard = yield* AccountsShard.open({
      journal: { files: nodeJournalFiles, dir },
      accounts: [{ id: ACCOUNT as AccountId, name: "Fund one", kind: "margin", baseCurrency: "USD" as CurrencyCode }],
      instruments: latestInstruments(set),
      currencies: set.currencies,
      now: (input) => input.ts,
      snapshots: { everyInputs: Number.MAX_SAFE_INTEGER, events: 1_000_000 }
    })
    const state = { image: Buffer.from(shard.image()).toString("base64"), snapshot: shard.recovered.snapshot?.seq }
    rmSync(dir, { recursive: true, force: true })
    return state
  }).pipe(Effect.scoped, Effect.provide(NodeContext.layer))

/** Every order the restarted service holds: its order ids by client order id, from a fresh replay of its journal. */
const submittedOrders = (session: Client, sentinel: string) =>
  Effect.gen(function* () {
    yield* session.call(restingBuy(ACCOUNT, sentinel))
    const events = yield* follow<AccountEvent>(session, "events/0", 0, (all) => {
      const last = all[all.length - 1]
      return last?._tag === "OrderSubmitted" && last.order.clientOrderId === sentinel
    })
    const submitted = new Map<string, Array<string>>()
    for (const event of events) {
      if (event._tag !== "OrderSubmitted" || event.order.clientOrderId.startsWith("sentinel")) continue
      submitted.set(event.order.clientOrderId, [
        ...(submitted.get(event.order.clientOrderId) ?? []),
        event.order.orderId
      ])
    }
    return submitted
  })

describe("Accounts Service crash", () => {
  it(`keeps every acknowledged order exactly once through ${KILLS} kill -9`, { timeout: 600_000 }, async () => {
    // Snapshots keep every event, so that the check below can still read the whole stream.
    const { file, dir } = configure(ACCOUNT, { snapshots: { everyInputs: SNAPSHOT_EVERY, events: 1_000_000 } })
    const everAcked = new Map<string, string>()
    let next = 1
    let seed = 4242
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let kill = 0; kill <= KILLS; kill++) {
      const service = await start("node", file)
      await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const clients = yield* Effect.all(
              [1, 2, 3].map(() => client(service.port, "strategies", KEYS.MERIDIAN_TEST_KEY_STRATEGIES))
            )
            if (kill === 0) {
              yield* clients[0]!.call({
                _tag: "Deposit",
                accountId: ACCOUNT,
                currency: "USD",
                amount: 1e12,
                reference: "start",
                ts: 0
              })
              yield* clients[0]!.call({ _tag: "Mark", instrumentId: "AAPL.XNAS", price: 19_000, ts: 0 })
            } else {
              // What the restarted service holds: each acknowledged order once, with its first order id; none twice.
              const submitted = yield* submittedOrders(clients[0]!, `sentinel-${kill}`)
              for (const [clientOrderId, orderIds] of submitted) {
                expect(orderIds, clientOrderId).toHaveLength(1)
                next = Math.max(next, Number(clientOrderId.slice(1)) + 1)
              }
              for (const [clientOrderId, orderId] of everAcked) {
                expect(submitted.get(clientOrderId), clientOrderId).toEqual([orderId])
              }
            }
            if (kill === KILLS) return
            const exited = Effect.async<void>((resume) => {
              service.child.once("exit", () => resume(Effect.void))
            })
            // Resend the last few, as clients that did not hear back before the crash would, then carry on.
            const acked = new Map<string, string>()
            const killAfter = 1 + random(MAX_ACKS_PER_CYCLE)
            sendUntilKilled(clients, Math.max(1, next - 1 - random(30)), acked, () => {
              if (acked.size === killAfter) setTimeout(() => service.child.kill("SIGKILL"), random(10))
            })
            // Killed by the acknowledgement count above; by this bound should the sends stall.
            yield* Effect.promise(() => stop(service.child, "SIGKILL")).pipe(
              Effect.delay("30 seconds"),
              Effect.race(exited)
            )
            for (const [clientOrderId, orderId] of acked) {
              // A resend is answered with the first outcome.
              expect(everAcked.get(clientOrderId) ?? orderId, clientOrderId).toBe(orderId)
              everAcked.set(clientOrderId, orderId)
            }
          })
        )
      )
      await stop(service.child)
    }
    expect(everAcked.size).toBeGreaterThan(KILLS)
    // Snapshots taken between and during the kills: recovering from the latest and the tail gives the state a replay
    // of the whole journal gives, byte for byte.
    const journal = join(dir, "journal", "shard-0")
    const [fromSnapshot, full] = await Effect.runPromise(
      Effect.all([recoveredState(journal, false), recoveredState(journal, true)])
    )
    expect(fromSnapshot.snapshot).toBeGreaterThan(0)
    expect(full.snapshot).toBeUndefined()
    expect(fromSnapshot.image === full.image).toBe(true)
    console.log(`accounts service crash: ${KILLS} kills, ${everAcked.size} orders acknowledged`)
  })
})
