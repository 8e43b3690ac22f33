/**
 * The lockstep barrier of docs/live-session.md through the real service: fake participants (protocol clients of the
 * services "execution" and "strategies") follow the two topics and send `Done`. Event `i + 1` goes out on
 * `market-data` only once the strategies are done with `i`, and `i` on `market-data/settled` only once the venue is;
 * a Done from a service that takes no part, or one that does not decode, is ignored. After a kill -9 the
 * participants resend their last Done and the session goes on to the end, every event once on each topic.
 */
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { Client } from "../../core/protocol/Protocol"
import { cleanUp, client, configure, start, tempDir, writeHistory } from "./marketDataProcess"
import { stop } from "./serviceProcess"

afterAll(cleanUp)

/** Poll until `ready` (the test's timeout bounds the wait). */
const waitFor = (ready: () => boolean) =>
  Effect.gen(function* () {
    while (!ready()) yield* Effect.sleep(10)
  })

/** What the two participants saw, in the order they saw it, and whether they answer by themselves. */
interface Session {
  readonly order: Array<string>
  readonly venueSeen: Array<number>
  readonly settledSeen: Array<number>
  auto: boolean
}

/** The venue follows market-data, the strategies market-data/settled; each answers Done when `auto`. */
const participate = (venue: Client, strategies: Client, session: Session) => {
  const lastVenue = session.venueSeen.at(-1) ?? 0
  const lastSettled = session.settledSeen.at(-1) ?? 0
  venue.subscribe("market-data", lastVenue, (seq) => {
    session.order.push(`m${seq}`)
    session.venueSeen.push(seq)
    if (session.auto) venue.send({ _tag: "Done", seq })
  })
  strategies.subscribe("market-data/settled", lastSettled, (seq) => {
    session.order.push(`s${seq}`)
    session.settledSeen.push(seq)
    if (session.auto) strategies.send({ _tag: "Done", seq })
  })
  // As a restarted participant does: say where it is.
  if (lastVenue > 0) venue.send({ _tag: "Done", seq: lastVenue })
  if (lastSettled > 0) strategies.send({ _tag: "Done", seq: lastSettled })
}

describe("Market Data Service lockstep", () => {
  it("holds each event until every participant is done, and resumes after kill -9", { timeout: 300_000 }, async () => {
    const history = join(tempDir(), "history")
    const expected = await Effect.runPromise(writeHistory(history, 12))
    const { file } = configure(history, "lockstep")
    const first = await start("node", file)
    const session: Session = { order: [], venueSeen: [], settledSeen: [], auto: false }
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const venue = yield* client(first.port, "execution")
          const strategies = yield* client(first.port, "strategies")
          const outsider = yield* client(first.port, "cli")
          participate(venue, strategies, session)
          yield* waitFor(() => session.venueSeen.length === 1)
          // Nothing more while nobody is done; a Done from an outsider or a malformed one changes nothing.
          outsider.send({ _tag: "Done", seq: 1 })
          venue.send({ _tag: "Done", seq: "one" })
          yield* Effect.sleep(500)
          expect(session.order).toEqual(["m1"])
          venue.send({ _tag: "Done", seq: 1 })
          yield* waitFor(() => session.settledSeen.length === 1)
          yield* Effect.sleep(300)
          expect(session.order).toEqual(["m1", "s1"])
          session.auto = true
          strategies.send({ _tag: "Done", seq: 1 })
          yield* waitFor(() => session.settledSeen.length >= 40)
        })
      )
    )
    await first.logged("takes no part in the lockstep")
    await first.logged("a message that is not a Done is ignored")
    await stop(first.child, "SIGKILL")

    // Restarted: the participants come back with their last sequences and resend Done.
    const second = await start("node", file)
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const venue = yield* client(second.port, "execution")
          const strategies = yield* client(second.port, "strategies")
          participate(venue, strategies, session)
          yield* waitFor(() => session.settledSeen.at(-1) === expected.length)
        })
      )
    )
    await second.logged('"replay finished"')
    await stop(second.child)
    const all = expected.map((_, i) => i + 1)
    expect(session.venueSeen).toEqual(all)
    expect(session.settledSeen).toEqual(all)
    // The barrier: m1 s1 m2 s2 ... (the participants answered at once, so nothing else can interleave).
    expect(session.order).toEqual(all.flatMap((seq) => [`m${seq}`, `s${seq}`]))
  })
})
