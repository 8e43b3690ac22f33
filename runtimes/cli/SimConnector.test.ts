import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, expect, it } from "vitest"
import { makeSpecs } from "../../core/domain/InstrumentSpec"
import { executionContract } from "../../test/contracts/ExecutionContract"
import { venueStateContract } from "../../test/contracts/VenueStateContract"
import { AAPL, currencies } from "../../test/fixtures/instruments"
import { simRemote } from "./SimConnector"

const dirs: Array<string> = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** `sim-remote` in a fresh state folder, its market moved through the service's inputs. */
const venue = Effect.gen(function* () {
  const dir = mkdtempSync(join(tmpdir(), "meridian-sim-remote-"))
  dirs.push(dir)
  const connector = yield* simRemote
    .make({ stateDir: "venue" }, { specs: makeSpecs([AAPL], currencies), baseDir: dir })
    .pipe(Effect.orDie)
  if (connector._tag !== "Venue" || connector.simulated === undefined) return yield* Effect.die("not a remote venue")
  const simulated = connector.simulated
  let seq = 0
  return {
    execution: connector.execution,
    state: connector.state,
    market: (ts: number, bid: number, ask: number) =>
      Effect.sync(() =>
        simulated.marketData(++seq, {
          _tag: "Quote",
          instrumentId: AAPL.id,
          ts,
          bidPrice: bid,
          bidSize: 1_000,
          askPrice: ask,
          askSize: 1_000
        } as never)
      )
  }
})

executionContract("simulated venue behind the asynchronous port (sim-remote)", venue)
venueStateContract("simulated venue behind the asynchronous port (sim-remote)", venue)

it("refuses a venue state it cannot read, naming the line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-sim-remote-"))
  dirs.push(dir)
  mkdirSync(join(dir, "venue"))
  writeFileSync(join(dir, "venue", "venue.jsonl"), '{"seq":1,"event":{"_tag":"Quote"}}\n')
  const error = await Effect.runPromise(
    Effect.flip(
      Effect.scoped(simRemote.make({ stateDir: "venue" }, { specs: makeSpecs([AAPL], currencies), baseDir: dir }))
    )
  )
  expect(error.message).toMatch(/^connector\.sim-remote\.stateDir: .*venue\.jsonl line 1: /)
})
