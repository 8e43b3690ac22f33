import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { nodeJournalFiles } from "../../runtimes/node/NodeJournalFiles"
import { type Journal, type JournalOptions, open } from "./Journal"

const dirs: Array<string> = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-journal-"))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A record that says which it is: its sequence in text, padded with a byte pattern of that sequence. */
const record = (seq: number, size = 40): Uint8Array => {
  const bytes = new Uint8Array(size).fill(seq & 0xff)
  bytes.set(new TextEncoder().encode(`r${seq}:`))
  return bytes
}

/** Open the journal, collect what recovery replays, run `use`, close. */
const withJournal = <A>(options: JournalOptions, use: (journal: Journal) => Effect.Effect<A, unknown>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const replayed: Array<[number, string]> = []
      const journal = yield* open(options, (seq, payload) =>
        replayed.push([seq, new TextDecoder().decode(payload.subarray(0, 12)).split(":")[0]!])
      )
      const result = yield* use(journal)
      return { journal, replayed, result }
    })
  )

/** Append records `from` to `to`, waiting for them to be durable every `batch` records. */
const appendAll = (journal: Journal, from: number, to: number, batch = Number.POSITIVE_INFINITY) =>
  Effect.gen(function* () {
    for (let seq = from; seq <= to; seq++) {
      expect(journal.append(record(seq))).toBe(seq)
      if ((seq - from + 1) % batch === 0) yield* journal.sync
    }
    yield* journal.sync
  })

const expectRecords = (replayed: ReadonlyArray<[number, string]>, from: number, to: number) =>
  expect(replayed).toEqual(Array.from({ length: to - from + 1 }, (_, i) => [from + i, `r${from + i}`]))

describe("Journal", () => {
  it.effect("replays every record it made durable, in order, and carries on after them", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const options = { files: nodeJournalFiles, dir }
      const first = yield* withJournal(options, (j) => appendAll(j, 1, 500))
      expect(first.replayed).toEqual([])
      expect(first.journal.recovered.lastSeq).toBe(0)
      const second = yield* withJournal(options, (j) => appendAll(j, 501, 600))
      expectRecords(second.replayed, 1, 500)
      const third = yield* withJournal(options, () => Effect.void)
      expectRecords(third.replayed, 1, 600)
      expect(third.journal.recovered.cut).toBeUndefined()
    })
  )

  it.effect("commits a burst in a few batches, and reports a record durable only after its batch", () =>
    Effect.gen(function* () {
      const options = { files: nodeJournalFiles, dir: tempDir() }
      const { result } = yield* withJournal(options, (journal) =>
        Effect.gen(function* () {
          const seen: Array<number> = []
          journal.onDurable((durable) => seen.push(durable))
          for (let seq = 1; seq <= 10_000; seq++) journal.append(record(seq))
          expect(journal.durable()).toBe(0)
          yield* journal.sync
          return { seen, stats: journal.stats(), durable: journal.durable() }
        })
      )
      expect(result.durable).toBe(10_000)
      expect(result.stats.records).toBe(10_000)
      // One burst appended in one task: one write and one fsync.
      expect(result.stats.batches).toBe(1)
      expect(result.seen).toEqual([10_000])
    })
  )

  it.effect("cuts a torn tail of the last segment, says so, and appends after what is left", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const options = { files: nodeJournalFiles, dir }
      yield* withJournal(options, (j) => appendAll(j, 1, 20))
      const segment = join(dir, readdirSync(dir).find((n) => n.endsWith(".wal"))!)
      const size = statSync(segment).size
      // A crash in the middle of the next write: half a record.
      appendFileSync(segment, readFileSync(segment).subarray(8, 8 + 30))
      const reopened = yield* withJournal(options, (j) => appendAll(j, 21, 25))
      expectRecords(reopened.replayed, 1, 20)
      expect(reopened.journal.recovered.cut).toEqual({
        segment: segment.split("/").pop(),
        offset: size,
        bytes: 30,
        reason: "a batch is cut short"
      })
      const again = yield* withJournal(options, () => Effect.void)
      expectRecords(again.replayed, 1, 25)
      expect(again.journal.recovered.cut).toBeUndefined()
    })
  )

  it.effect("cuts a last batch whose bytes changed (its checksum fails)", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const options = { files: nodeJournalFiles, dir }
      yield* withJournal(options, (j) => appendAll(j, 1, 10, 1))
      const segment = join(dir, readdirSync(dir).find((n) => n.endsWith(".wal"))!)
      const bytes = readFileSync(segment)
      bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff
      writeFileSync(segment, bytes)
      const reopened = yield* withJournal(options, () => Effect.void)
      expectRecords(reopened.replayed, 1, 9)
      expect(reopened.journal.recovered.cut?.reason).toBe("a batch fails its checksum")
      expect(reopened.journal.recovered.lastSeq).toBe(9)
    })
  )

  it.effect("refuses to start over damage before the last segment's tail", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const options = { files: nodeJournalFiles, dir, segmentBytes: 1_000 }
      yield* withJournal(options, (j) => appendAll(j, 1, 100, 10))
      const segments = readdirSync(dir)
        .filter((n) => n.endsWith(".wal"))
        .sort()
      expect(segments.length).toBeGreaterThan(3)
      const damaged = join(dir, segments[1]!)
      const bytes = readFileSync(damaged)
      bytes[40] = bytes[40]! ^ 0x01
      writeFileSync(damaged, bytes)
      const exit = yield* Effect.exit(withJournal(options, () => Effect.void))
      expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("Corrupt")
      expect(JSON.stringify(exit)).toContain(`segment ${segments[1]} is damaged at byte`)
    })
  )

  it.effect("rotates segments and replays across them", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const options = { files: nodeJournalFiles, dir, segmentBytes: 2_000 }
      yield* withJournal(options, (j) => appendAll(j, 1, 300, 10))
      yield* withJournal(options, (j) => appendAll(j, 301, 400, 10))
      expect(readdirSync(dir).filter((n) => n.endsWith(".wal")).length).toBeGreaterThanOrEqual(8)
      const reopened = yield* withJournal(options, () => Effect.void)
      expectRecords(reopened.replayed, 1, 400)
    })
  )

  it.effect("commits turn after turn without waiting for the fsyncs in flight, in order, across segments", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const options = { files: nodeJournalFiles, dir, segmentBytes: 1_000 }
      const { result } = yield* withJournal(options, (journal) =>
        Effect.gen(function* () {
          const seen: Array<number> = []
          journal.onDurable((durable) => seen.push(durable))
          // One record per turn of the event loop, none waited for: each turn's record is a batch of its own, or
          // joins the next one while several commits are in flight.
          for (let seq = 1; seq <= 400; seq++) {
            journal.append(record(seq))
            yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
          }
          yield* journal.sync
          return { seen, durable: journal.durable(), stats: journal.stats() }
        })
      )
      expect(result.durable).toBe(400)
      expect(result.stats.records).toBe(400)
      expect(result.seen.every((durable, i) => i === 0 || durable > result.seen[i - 1]!)).toBe(true)
      // How many depends on how records gathered while fsyncs were in flight: at least a few segments of 1 000 bytes.
      expect(readdirSync(dir).filter((n) => n.endsWith(".wal")).length).toBeGreaterThanOrEqual(3)
      const reopened = yield* withJournal(options, () => Effect.void)
      expectRecords(reopened.replayed, 1, 400)
    })
  )

  it.effect("recovers from the snapshot and the records after it; compaction drops what the snapshot covers", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const options = { files: nodeJournalFiles, dir, segmentBytes: 2_000 }
      yield* withJournal(options, (journal) =>
        Effect.gen(function* () {
          yield* appendAll(journal, 1, 150, 10)
          yield* journal.snapshot(100, new TextEncoder().encode("state after 100"))
          yield* journal.snapshot(150, new TextEncoder().encode("state after 150"))
          yield* journal.compact(151)
          yield* appendAll(journal, 151, 170)
        })
      )
      expect(readdirSync(dir).filter((n) => n.endsWith(".snap"))).toEqual(["0000000000000150.snap"])
      const firstSegment = readdirSync(dir)
        .filter((n) => n.endsWith(".wal"))
        .sort()[0]!
      expect(Number(firstSegment.slice(0, 16))).toBeGreaterThan(100)
      const reopened = yield* withJournal(options, () => Effect.void)
      const { snapshot } = reopened.journal.recovered
      expect(snapshot?.seq).toBe(150)
      expect(new TextDecoder().decode(snapshot?.payload)).toBe("state after 150")
      expectRecords(reopened.replayed, 151, 170)
    })
  )

  it.effect("passes over a damaged snapshot and replays from the records instead", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const options = { files: nodeJournalFiles, dir }
      yield* withJournal(options, (journal) =>
        Effect.gen(function* () {
          yield* appendAll(journal, 1, 30)
          yield* journal.snapshot(30, new TextEncoder().encode("state"))
        })
      )
      const snapshot = join(dir, "0000000000000030.snap")
      writeFileSync(snapshot, readFileSync(snapshot).subarray(0, 20))
      const reopened = yield* withJournal(options, () => Effect.void)
      expect(reopened.journal.recovered.snapshot).toBeUndefined()
      expect(reopened.journal.recovered.badSnapshots).toEqual(["0000000000000030.snap"])
      expectRecords(reopened.replayed, 1, 30)
    })
  )
})
