/**
 * kill -9 the Market Data Service mid-replay, again and again, with a subscriber following `market-data`; after
 * each restart the subscriber resumes from the last sequence it got. In the end it has seen the whole history
 * exactly once, in order, with consecutive sequences: the journal gave back the same events under the same
 * sequences and the replay went on after the last journaled one.
 */
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { MarketDataEvent } from "../../core/domain/MarketData"
import { cleanUp, client, configure, start, tempDir, writeHistory } from "./marketDataProcess"
import { stop } from "./serviceProcess"

afterAll(cleanUp)

const KILLS = Number(process.env.MERIDIAN_CRASH_KILLS ?? 6)

describe("Market Data Service crash", () => {
  it(`publishes every event once, in order, through ${KILLS} kill -9`, { timeout: 600_000 }, async () => {
    const history = join(tempDir(), "history")
    const expected = await Effect.runPromise(writeHistory(history, 300))
    // About 1,800 instants 2 ms apart: a few seconds a run, so each kill lands mid-replay.
    const { file } = configure(history, { speed: 1_000 }, {}, { maxGapMs: 2 })
    const seen: Array<{ readonly seq: number; readonly event: MarketDataEvent }> = []
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let kill = 0; kill <= KILLS; kill++) {
      const service = await start("node", file)
      const recovered = JSON.parse(await service.logged('"market data service recovered"')) as {
        annotations: { events: number }
      }
      // Everything a subscriber saw was journaled first.
      expect(recovered.annotations.events).toBeGreaterThanOrEqual(seen.at(-1)?.seq ?? 0)
      const enough = kill === KILLS ? expected.length : (seen.at(-1)?.seq ?? 0) + 100 + random(400)
      await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const subscriber = yield* client(service.port, "strategies")
            yield* Effect.async<void>((resume) => {
              const subscription = subscriber.subscribe("market-data", seen.at(-1)?.seq ?? 0, (seq, value) => {
                seen.push({ seq, event: value as MarketDataEvent })
                if (seq >= enough) {
                  subscription.unsubscribe()
                  if (kill < KILLS) service.child.kill("SIGKILL")
                  resume(Effect.void)
                }
              })
            })
          })
        )
      )
      await stop(service.child, kill < KILLS ? "SIGKILL" : "SIGTERM")
    }
    expect(seen.map((e) => e.seq)).toEqual(expected.map((_, i) => i + 1))
    expect(seen.map((e) => e.event)).toEqual(expected)
  })
})
