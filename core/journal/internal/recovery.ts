/**
 * Recovery: the latest snapshot that checks out, then every record after it, in sequence, across segments. A
 * damaged tail of the last segment (a write the crash cut short, or garbage after it) is cut off and reported: it
 * was never acknowledged, since nothing is acknowledged before its fsync. Damage anywhere else, or a gap between
 * segments, is corruption of acknowledged records: recovery refuses rather than start from a wrong state.
 */
import type { JournalFiles } from "../JournalFiles"
import { hasMagic, MAGIC_BYTES, SEGMENT_MAGIC, SNAPSHOT_MAGIC, scanRecords } from "./records"
import { type Named, segmentsIn, snapshotsIn } from "./segments"

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
  /** Snapshots that failed their checksum and were passed over. */
  readonly badSnapshots: ReadonlyArray<string>
  readonly lastSegment: Named | undefined
}

const latestSnapshot = async (
  files: JournalFiles,
  dir: string,
  snapshots: ReadonlyArray<Named>,
  maxRecordBytes: number
) => {
  const bad: Array<string> = []
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const { name, seq } = snapshots[i]!
    const bytes = await files.read(`${dir}/${name}`)
    let payload: Uint8Array | undefined
    const scan = hasMagic(bytes, SNAPSHOT_MAGIC)
      ? scanRecords(bytes, MAGIC_BYTES, seq, maxRecordBytes, (_, p) => {
          payload = p
        })
      : undefined
    if (scan?.problem === undefined && scan?.records === 1 && payload !== undefined) {
      return { snapshot: { seq, payload }, bad }
    }
    bad.push(name)
  }
  return { snapshot: undefined, bad }
}

export const recover = async (
  files: JournalFiles,
  dir: string,
  maxRecordBytes: number,
  apply: (seq: number, payload: Uint8Array) => void
): Promise<Recovered> => {
  await files.makeDir(dir)
  const names = await files.list(dir)
  const { snapshot, bad } = await latestSnapshot(files, dir, snapshotsIn(names), maxRecordBytes)
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
  for (let i = 0; i < needed.length; i++) {
    const segment = needed[i]!
    const isLast = i === needed.length - 1
    const path = `${dir}/${segment.name}`
    const bytes = await files.read(path)
    if (i > 0 && segment.seq !== lastSeq + 1) {
      throw new CorruptJournal(`segment ${segment.name} starts at ${segment.seq}, after record ${lastSeq}`)
    }
    const scan = hasMagic(bytes, SEGMENT_MAGIC)
      ? scanRecords(bytes, MAGIC_BYTES, segment.seq, maxRecordBytes, (seq, payload) => {
          if (seq > after) {
            apply(seq, payload)
            replayed++
          }
        })
      : { end: 0, lastSeq: segment.seq - 1, records: 0, problem: "the segment's header is missing or damaged" }
    lastSeq = Math.max(lastSeq, scan.lastSeq)
    if (scan.problem === undefined) continue
    if (!isLast) throw new CorruptJournal(`segment ${segment.name} is damaged at byte ${scan.end}: ${scan.problem}`)
    if (scan.lastSeq < after) {
      throw new CorruptJournal(`segment ${segment.name} ends at record ${scan.lastSeq}, before the snapshot ${after}`)
    }
    cut = { segment: segment.name, offset: scan.end, bytes: bytes.length - scan.end, reason: scan.problem }
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
    lastSegment: needed.length > 0 ? needed[needed.length - 1] : undefined
  }
}
