/**
 * The write-ahead log: an append-only sequence of opaque records (a service's commands, encoded by it), numbered
 * 1, 2, 3, ..., written with group commit, checksummed, in segments, with snapshots.
 *
 * - `append` queues a record and returns its sequence at once; the record is durable when `durable` reaches it
 *   (`onDurable`, `sync`). A service acknowledges nothing before that: what was acknowledged survives any crash.
 * - Records appended while a write and its fsync are in flight go out together in the next one.
 * - `open` recovers first: the latest sound snapshot (that `restore` takes), then every record after it, handed to
 *   `apply` in sequence; with no snapshot taken, every record.
 *   A damaged tail of the last segment is cut and reported (`recovered.cut`); damage anywhere else fails with
 *   `Corrupt`, as does a gap in the sequence.
 * - `snapshot(seq, state)` stores the state after record `seq`; `compact(seq)` then removes the segments whose
 *   records all come before it.
 *
 * @since 0.1.0
 */
import { Effect, Schema, type Scope } from "effect"
import { encodeSnapshot } from "./internal/records"
import { CorruptJournal, type Recovered, type Restore, recover } from "./internal/recovery"
import { segmentsIn, snapshotName, snapshotsIn } from "./internal/segments"
import { type Commit, Writer } from "./internal/writer"
import type { JournalFiles } from "./JournalFiles"

export type { Recovered, Restore, TornTail } from "./internal/recovery"
export type { Commit } from "./internal/writer"

export class JournalError extends Schema.TaggedError<JournalError>()("JournalError", {
  reason: Schema.Literal("Io", "Corrupt"),
  message: Schema.String
}) {}

export interface JournalOptions {
  readonly files: JournalFiles
  readonly dir: string
  /** A segment is closed and a new one started once it reaches this size (default 64 MiB). */
  readonly segmentBytes?: number
}

export interface Journal {
  readonly recovered: Recovered
  /**
   * Queue `payload[start, end)` (the whole of it by default) as a record, copied at once; returns its sequence.
   * Throws once a write or fsync failed: the journal is then unusable.
   */
  readonly append: (payload: Uint8Array, start?: number, end?: number) => number
  /** Sequence of the last durable record. */
  readonly durable: () => number
  /** Call `listener` with the last durable sequence after each group commit. */
  readonly onDurable: (listener: (durable: number) => void) => void
  /** Call `listener` after each group commit with its records, bytes and timing (for traces). */
  readonly onCommit: (listener: (commit: Commit) => void) => void
  /** Completes once every record appended so far is durable. */
  readonly sync: Effect.Effect<void, JournalError>
  /** Store the state after record `seq` (durable when this completes); older snapshots are removed. */
  readonly snapshot: (seq: number, state: Uint8Array) => Effect.Effect<void, JournalError>
  /** Remove the segments whose records all come before `seq` (keep what readers may still replay). */
  readonly compact: (seq: number) => Effect.Effect<void, JournalError>
  /** Batches and records committed since opening, and how long the last commit took. */
  readonly stats: () => { readonly batches: number; readonly records: number; readonly lastCommitMs: number }
}

const io = (what: string) => (cause: unknown) =>
  cause instanceof CorruptJournal
    ? new JournalError({ reason: "Corrupt", message: cause.message })
    : new JournalError({ reason: "Io", message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}` })

/**
 * Recover the journal in `options.dir` (created if missing) through `apply`, then open it for appending. The latest
 * sound snapshot is the starting point: only the records after it are applied. `restore` is handed it before any
 * record and may refuse it (then an older one is tried, or every record replayed); without `restore`, the caller
 * finds it in `recovered.snapshot`.
 */
export const open = (
  options: JournalOptions,
  apply: (seq: number, payload: Uint8Array) => void,
  restore?: Restore
): Effect.Effect<Journal, JournalError, Scope.Scope> =>
  Effect.gen(function* () {
    const { files, dir } = options
    const recovered = yield* Effect.tryPromise({
      try: () => recover(files, dir, apply, restore),
      catch: io(`recovering ${dir}`)
    })
    const writer = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          Writer.open({
            files,
            dir,
            nextSeq: recovered.lastSeq + 1,
            lastSegment: recovered.lastSegment,
            segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024
          }),
        catch: io(`opening ${dir}`)
      }),
      (writer) => Effect.promise(() => writer.close().catch(() => undefined))
    )
    const snapshot = (seq: number, state: Uint8Array) =>
      Effect.tryPromise({
        try: async () => {
          await files.replace(`${dir}/${snapshotName(seq)}`, encodeSnapshot(seq, state))
          for (const old of snapshotsIn(await files.list(dir))) {
            if (old.seq < seq) await files.remove(`${dir}/${old.name}`)
          }
          await files.syncDir(dir)
        },
        catch: io(`writing the snapshot of record ${seq}`)
      })
    const compact = (seq: number) =>
      Effect.tryPromise({
        try: async () => {
          const segments = segmentsIn(await files.list(dir))
          // A segment's records all come before `seq` when the next segment starts at or before it.
          for (let i = 0; i + 1 < segments.length; i++) {
            if (segments[i + 1]!.seq <= seq) await files.remove(`${dir}/${segments[i]!.name}`)
          }
          await files.syncDir(dir)
        },
        catch: io(`compacting ${dir}`)
      })
    return {
      recovered,
      append: (payload, start, end) => writer.append(payload, start, end),
      durable: () => writer.durable,
      onDurable: (listener) => writer.onDurable(listener),
      onCommit: (listener) => writer.onCommit(listener),
      sync: Effect.tryPromise({ try: () => writer.sync(), catch: io(`writing ${dir}`) }),
      snapshot,
      compact,
      stats: () => ({ batches: writer.batches, records: writer.records, lastCommitMs: writer.lastCommitMs })
    } satisfies Journal
  })
