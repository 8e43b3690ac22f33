/**
 * kill -9 a process appending to the journal, again and again at random points: after each restart, every record
 * it reported durable is there, whole, in sequence, and nothing else is half there. 20 kills by default: the
 * Accounts Service's crash test kills the same journal 50 times behind the service (`MERIDIAN_CRASH_KILLS` sets both).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { open } from "../../core/journal/Journal"
import { nodeJournalFiles } from "../../runtimes/node/NodeJournalFiles"
import { bundleChild, runUntilKilled } from "../killedProcess"
import { crashRecord, sameBytes } from "./crashRecord"

const KILLS = Number(process.env.MERIDIAN_CRASH_KILLS ?? 20)
let writer: string
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "meridian-crash-"))
  writer = await bundleChild(join(import.meta.dirname, "journalWriter.ts"))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Start the writer, let it report `acks` durable batches past `after` and run a little more, then kill -9 it. */
const runAndKill = async (after: number, acks: number, extraMs: number) => {
  let acked = after
  const { stderr } = await runUntilKilled(
    writer,
    [dir],
    (line) => (acked = Math.max(acked, Number(line))),
    acks,
    extraMs
  )
  return { acked, stderr }
}

/** Recover the folder, checking every record's bytes; returns the last sequence and any cut. */
const recoverHere = () =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        let replayed = 0
        let wrong: number | undefined
        const journal = yield* open({ files: nodeJournalFiles, dir, segmentBytes: 64 * 1024 }, (seq, payload) => {
          if (seq !== ++replayed || !sameBytes(payload, crashRecord(seq))) wrong ??= seq
        })
        return { lastSeq: journal.recovered.lastSeq, replayed, wrong, cut: journal.recovered.cut }
      })
    )
  )

describe("journal crash", () => {
  it(`keeps every acknowledged record through ${KILLS} kill -9`, { timeout: 240_000 }, async () => {
    let acked = 0
    let cuts = 0
    let seed = 12345
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let kill = 0; kill < KILLS; kill++) {
      const run = await runAndKill(acked, 1 + random(20), random(15))
      expect(run.stderr).toBe("")
      const recovered = await recoverHere()
      // Everything acknowledged survived; what follows it is whole records only.
      expect(recovered.lastSeq).toBeGreaterThanOrEqual(run.acked)
      expect(recovered.replayed).toBe(recovered.lastSeq)
      expect(recovered.wrong).toBeUndefined()
      if (recovered.cut !== undefined) cuts++
      acked = recovered.lastSeq
    }
    expect(acked).toBeGreaterThan(KILLS)
    console.log(`journal crash: ${KILLS} kills, ${acked} records, ${cuts} torn tails cut`)
  })
})
