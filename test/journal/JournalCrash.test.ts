/**
 * kill -9 a process appending to the journal, again and again at random points: after each restart, every record
 * it reported durable is there, whole, in sequence, and nothing else is half there.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import * as esbuild from "esbuild"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { open } from "../../core/journal/Journal"
import { nodeJournalFiles } from "../../runtimes/node/NodeJournalFiles"
import { crashRecord, sameBytes } from "./crashRecord"

const KILLS = Number(process.env.MERIDIAN_CRASH_KILLS ?? 50)
// Bundled beside node_modules, so that it finds the native checksum package; it starts in a few milliseconds.
const writer = join(import.meta.dirname, "..", "..", "node_modules", ".cache", "meridian-test", "journalWriter.cjs")
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "meridian-crash-"))
  await esbuild.build({
    entryPoints: [join(import.meta.dirname, "journalWriter.ts")],
    outfile: writer,
    bundle: true,
    platform: "node",
    format: "cjs",
    external: ["@node-rs/crc32"],
    logLevel: "error"
  })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Start the writer, let it report `acks` durable batches past `after` and run a little more, then kill -9 it. */
const runAndKill = (after: number, acks: number, extraMs: number) =>
  new Promise<{ acked: number; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir], { stdio: ["ignore", "pipe", "pipe"] })
    let acked = after
    let seen = 0
    let stderr = ""
    let buffered = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split("\n")
      buffered = lines.pop()!
      for (const line of lines) {
        acked = Math.max(acked, Number(line))
        if (++seen === acks) setTimeout(() => child.kill("SIGKILL"), extraMs)
      }
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on("error", reject)
    child.on("exit", () => {
      clearTimeout(timer)
      resolve({ acked, stderr })
    })
  })

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
