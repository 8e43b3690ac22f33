/**
 * Recovery: the latest snapshot that checks out, then every record after it, in sequence, across segments. A
 * damaged tail of the last segment (a write the crash cut short, or garbage after it) is cut off and reported: it
 * was never acknowledged, since nothing is acknowledged before its fsync. Damage anywhere else, or a gap between
 * segments, is corruption of acknowledged records: recovery refuses rather than start from a wrong state.
 */
import type { JournalFiles, ReadFile } from "../JournalFiles"
import {
  BATCH_HEADER_BYTES,
  bodyLength,
  hasMagic,
  MAGIC_BYTES,
  readBatch,
  SEGMENT_MAGIC,
  SNAPSHOT_MAGIC
} from "./records"
import { type Named, segmentsIn, snapshotsIn } from "./segments"

/** Segments are read in pieces of this size into one buffer (grown only for a larger batch). */
const READ_BYTES = 8 * 1024 * 1024

export class CorruptJournal extends Error {}

/** A damaged tail cut off the last segment. */
export interface TornTail {
  readonly segment: string
  /** Offset the segment was cut to. */
  readonly offset: number
  /** Bytes removed. */
  readonly bytes: number
  readonly reason: string
}

export interface Recovered {
  readonly snapshot: { readonly seq: number; readonly payload: Uint8Array } | undefined
  /** Sequence of the last record (or of the snapshot when no record follows it); 0 for a new journal. */
  readonly lastSeq: number
  /** Records replayed after the snapshot. */
  readonly replayed: number
  readonly cut: TornTail | undefined
  /** Snapshots that failed their checksum or that `restore` refused, passed over. */
  readonly badSnapshots: ReadonlyArray<string>
  /** Why each of `badSnapshots` was passed over: `<name>: <reason>`. */
  readonly snapshotProblems: ReadonlyArray<string>
  readonly lastSegment: Named | undefined
}

/**
 * Takes a sound snapshot's state, or says why it cannot (a snapshot of another configuration or version): recovery
 * then tries an older snapshot, and replays every record when none is taken.
 */
export type Restore = (seq: number, payload: Uint8Array) => string | undefined

const latestSnapshot = async (
  files: JournalFiles,
  dir: string,
  snapshots: ReadonlyArray<Named>,
  restore: Restore | undefined
) => {
  const bad: Array<string> = []
  const problems: Array<string> = []
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const { name, seq } = snapshots[i]!
    const bytes = await files.read(`${dir}/${name}`)
    let payload: Uint8Array | undefined
    const whole =
      hasMagic(bytes, SNAPSHOT_MAGIC) &&
      bytes.length >= MAGIC_BYTES + BATCH_HEADER_BYTES &&
      bytes.length === MAGIC_BYTES + BATCH_HEADER_BYTES + bodyLength(bytes, MAGIC_BYTES)
    if (whole && readBatch(bytes, MAGIC_BYTES, seq, (_, p) => (payload = p.slice())) === 1 && payload !== undefined) {
      const refused = restore?.(seq, payload)
      if (refused === undefined) return { snapshot: { seq, payload }, bad, problems }
      problems.push(`${name}: ${refused}`)
    } else problems.push(`${name}: damaged (fails its checksum or is cut short)`)
    bad.push(name)
  }
  return { snapshot: undefined, bad, problems }
}

interface SegmentScan {
  /** Offset after the last sound batch. */
  readonly end: number
  readonly lastSeq: number
  readonly problem: string | undefined
}

/** A window of a segment file in a reusable buffer. */
class Window {
  bytes = new Uint8Array(READ_BYTES)
  /** File offset of `bytes[0]`, and how many bytes from there are loaded. */
  start = 0
  loaded = 0

  constructor(private readonly file: ReadFile) {}

  /** Make bytes [at, at + length) of the file available; returns their offset in `bytes`. */
  async hold(at: number, length: number): Promise<number> {
    if (at >= this.start && at + length <= this.start + this.loaded) return at - this.start
    if (length > this.bytes.length) this.bytes = new Uint8Array(Math.max(length, this.bytes.length * 2))
    const want = Math.min(this.bytes.length, this.file.size - at)
    let loaded = 0
    while (loaded < want) {
      const read = await this.file.read(this.bytes, loaded, want - loaded, at + loaded)
      if (read === 0) break
      loaded += read
    }
    this.start = at
    this.loaded = loaded
    return 0
  }
}

/** Read a segment's batches in order, from `firstSeq`, handing each record to `apply`. */
const scanSegment = async (
  file: ReadFile,
  firstSeq: number,
  apply: (seq: number, payload: Uint8Array) => void
): Promise<SegmentScan> => {
  const size = file.size
  const window = new Window(file)
  let seq = firstSeq
  let at = MAGIC_BYTES
  const stop = (problem: string | undefined): SegmentScan => ({ end: at, lastSeq: seq - 1, problem })
  if (size < MAGIC_BYTES || !hasMagic(window.bytes.subarray(await window.hold(0, MAGIC_BYTES)), SEGMENT_MAGIC)) {
    at = 0
    return stop("the segment's header is missing or damaged")
  }
  while (at < size) {
    if (size - at < BATCH_HEADER_BYTES) return stop("a batch header is cut short")
    const length = BATCH_HEADER_BYTES + bodyLength(window.bytes, await window.hold(at, BATCH_HEADER_BYTES))
    if (at + length > size) return stop("a batch is cut short")
    const read = readBatch(window.bytes, await window.hold(at, length), seq, apply)
    if (typeof read === "string") return stop(read)
    seq += read
    at += length
  }
  return stop(undefined)
}

export const recover = async (
  files: JournalFiles,
  dir: string,
  apply: (seq: number, payload: Uint8Array) => void,
  restore?: Restore
): Promise<Recovered> => {
  await files.makeDir(dir)
  const names = await files.list(dir)
  const { snapshot, bad, problems } = await latestSnapshot(files, dir, snapshotsIn(names), restore)
  const after = snapshot?.seq ?? 0
  const segments = segmentsIn(names)
  // The segment holding the record after the snapshot, and every later one.
  let first = 0
  for (let i = 0; i < segments.length; i++) if (segments[i]!.seq <= after + 1) first = i
  const needed = segments.slice(first)
  if (needed.length > 0 && needed[0]!.seq > after + 1) {
    throw new CorruptJournal(`records ${after + 1} to ${needed[0]!.seq - 1} are missing: no segment holds them`)
  }
  let lastSeq = after
  let replayed = 0
  let cut: TornTail | undefined
  const applyAfterSnapshot = (seq: number, payload: Uint8Array) => {
    if (seq > after) {
      apply(seq, payload)
      replayed++
    }
  }
  for (let i = 0; i < needed.length; i++) {
    const segment = needed[i]!
    const path = `${dir}/${segment.name}`
    if (i > 0 && segment.seq !== lastSeq + 1) {
      throw new CorruptJournal(`segment ${segment.name} starts at ${segment.seq}, after record ${lastSeq}`)
    }
    const file = await files.openRead(path)
    const scan = await scanSegment(file, segment.seq, applyAfterSnapshot).finally(() => file.close())
    lastSeq = Math.max(lastSeq, scan.lastSeq)
    if (scan.problem === undefined) continue
    if (i < needed.length - 1) {
      throw new CorruptJournal(`segment ${segment.name} is damaged at byte ${scan.end}: ${scan.problem}`)
    }
    if (scan.lastSeq < after) {
      throw new CorruptJournal(`segment ${segment.name} ends at record ${scan.lastSeq}, before the snapshot ${after}`)
    }
    cut = { segment: segment.name, offset: scan.end, bytes: file.size - scan.end, reason: scan.problem }
    if (scan.end < MAGIC_BYTES) {
      // A segment created but never written to: start it again.
      await files.remove(path)
      await files.syncDir(dir)
      needed.pop()
    } else await files.truncate(path, scan.end)
  }
  return {
    snapshot,
    lastSeq,
    replayed,
    cut,
    badSnapshots: bad,
    snapshotProblems: problems,
    lastSegment: needed.length > 0 ? needed[needed.length - 1] : undefined
  }
}
