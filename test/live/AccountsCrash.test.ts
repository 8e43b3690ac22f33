/**
 * kill -9 an Accounts shard at random points while three clients send orders, again and again, each restart
 * resending the last orders as a client that never heard back would: every acknowledged order is there exactly
 * once with the order id it was acknowledged with, nothing else is half there, and a resend never makes a second
 * order.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AccountsShard } from "../../core/live/accounts/AccountsShard"
import { bundleChild, runUntilKilled } from "../killedProcess"
import { CRASH_ACCOUNT, crashShardOptions } from "./crashShard"

const KILLS = Number(process.env.MERIDIAN_CRASH_KILLS ?? 50)
let shardProcess: string
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "meridian-accounts-crash-"))
  shardProcess = await bundleChild(join(import.meta.dirname, "accountsShardProcess.ts"))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Start the shard sending from `c<from>`, kill -9 it after `acks` acknowledgements and `extraMs`. */
const runAndKill = async (from: number, acks: number, extraMs: number) => {
  const acked = new Map<string, string>()
  const { stderr } = await runUntilKilled(
    shardProcess,
    [dir, String(from)],
    (line) => {
      const [clientOrderId, orderId] = line.split(" ")
      acked.set(clientOrderId!, orderId!)
    },
    acks,
    extraMs
  )
  return { acked, stderr }
}

/** Recover the shard here: the order id of each submitted order, and the client order ids of the open orders. */
const recoverHere = () =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const shard = yield* AccountsShard.open(crashShardOptions(dir, () => 0))
        const submitted = new Map<string, Array<string>>()
        for (const event of shard.events.read(shard.events.first, Number.MAX_SAFE_INTEGER) ?? []) {
          if (event._tag !== "OrderSubmitted") continue
          const ids = submitted.get(event.order.clientOrderId) ?? []
          ids.push(event.order.orderId)
          submitted.set(event.order.clientOrderId, ids)
        }
        const open = shard.state.openOrders(CRASH_ACCOUNT).map((o) => o.clientOrderId as string)
        return { submitted, open, cut: shard.recovered.cut }
      })
    )
  )

describe("Accounts shard crash", () => {
  it(`keeps every acknowledged order exactly once through ${KILLS} kill -9`, { timeout: 300_000 }, async () => {
    const everAcked = new Map<string, string>()
    let next = 1
    let seed = 4242
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let kill = 0; kill < KILLS; kill++) {
      // Resend the last few, as clients that did not hear back before the crash would.
      const from = Math.max(1, next - 1 - random(30))
      const run = await runAndKill(from, 1 + random(300), random(10))
      expect(run.stderr).toBe("")
      for (const [clientOrderId, orderId] of run.acked) {
        // A resend is answered with the first outcome.
        expect(everAcked.get(clientOrderId) ?? orderId).toBe(orderId)
        everAcked.set(clientOrderId, orderId)
        next = Math.max(next, Number(clientOrderId.slice(1)) + 1)
      }
      const recovered = await recoverHere()
      for (const [clientOrderId, orderIds] of recovered.submitted) {
        expect(orderIds, clientOrderId).toHaveLength(1)
        next = Math.max(next, Number(clientOrderId.slice(1)) + 1)
      }
      for (const [clientOrderId, orderId] of everAcked)
        expect(recovered.submitted.get(clientOrderId)).toEqual([orderId])
      // No fills: exactly the submitted orders are open.
      expect(recovered.open.sort()).toEqual([...recovered.submitted.keys()].sort())
    }
    expect(everAcked.size).toBeGreaterThan(KILLS)
    console.log(`accounts crash: ${KILLS} kills, ${everAcked.size} orders acknowledged`)
  })
})
