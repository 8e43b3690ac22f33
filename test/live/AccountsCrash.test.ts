/**
 * kill -9 the Accounts Service at random points while three clients send orders over the protocol, again and
 * again; after each restart the clients resend the last orders, as clients that never heard back would. Every
 * acknowledged order is there exactly once with the order id it was acknowledged with, nothing else is half there,
 * and a resend never makes a second order.
 */
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { AccountEvent } from "../../core/domain/Events"
import type { Client } from "../../core/protocol/Protocol"
import { cleanUp, client, configure, follow, KEYS, restingBuy, start, stop } from "./serviceProcess"

afterAll(cleanUp)

const KILLS = Number(process.env.MERIDIAN_CRASH_KILLS ?? 50)
const ACCOUNT = "CRASH"
const IN_FLIGHT = 16

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
    const { file } = configure(ACCOUNT)
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
            const killAfter = 1 + random(400)
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
    console.log(`accounts service crash: ${KILLS} kills, ${everAcked.size} orders acknowledged`)
  })
})
