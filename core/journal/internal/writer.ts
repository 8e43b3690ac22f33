/**
 * The journal's single writer: group commit over the file port. What is appended in one turn of the event loop goes
 * out as one batch at the end of it; a record is reported durable only after an fsync that covers it. Up to
 * `MAX_IN_FLIGHT` commits run at once: a batch's write goes to the file after the previous batch's, and its fsync
 * starts as soon as its write is done, without waiting for the fsyncs still in flight. So a record that arrives
 * during a commit waits for one fsync (its own), not for the rest of that commit and then its own; and since an fsync
 * covers every write made before it started, whichever commit ends makes everything through its batch durable.
 * Past `MAX_IN_FLIGHT`, records gather into the next batch as before. A failed write or fsync stops the writer for
 * good: after a failed fsync the file's state is unknown, and nothing more may be acknowledged.
 */
import type { AppendFile, JournalFiles } from "../JournalFiles"
import { RecordBatch, SEGMENT_MAGIC } from "./records"
import { segmentName } from "./segments"

export interface WriterOptions {
  readonly files: JournalFiles
  readonly dir: string
  /** Sequence of the next record. */
  readonly nextSeq: number
  /** The last segment, to append to while it is below `segmentBytes`. */
  readonly lastSegment: { readonly name: string } | undefined
  readonly segmentBytes: number
}

/** One group commit: the batch's records and bytes, and when its write began and its fsync ended (ms, epoch). */
export interface Commit {
  readonly durable: number
  readonly records: number
  readonly bytes: number
  readonly startMs: number
  readonly endMs: number
}

/**
 * Commits in flight at once. Measured on the 2-core machine, records arriving every 2 ms, load 17: with one commit at a
 * time a record waited 1.4-13 ms (median 2.6) for its fsync, with four 0.5-3.9 ms (median 1.5). More than two only
 * matters when fsyncs take longer than the gap between records; each extra commit costs a trip through the thread
 * pool (4 threads on Node), so a burst still goes out in few large batches.
 */
const MAX_IN_FLIGHT = 4

interface Waiter {
  readonly seq: number
  readonly resolve: () => void
  readonly reject: (error: Error) => void
}

export class Writer {
  private file!: AppendFile
  private next: number
  private durableSeq: number
  private filling = new RecordBatch()
  /** Batches written out, to fill again. */
  private readonly spare: Array<RecordBatch> = []
  private scheduled = false
  private inFlight = 0
  /** The last batch's write: the next one goes to the file after it. */
  private lastWrite: Promise<void> = Promise.resolve()
  /** The segment is full: no commit begins until the next one is started (`rotation`). */
  private rotating = false
  private rotation: Promise<void> | undefined
  private closed = false
  private failure: Error | undefined
  private readonly waiters: Array<Waiter> = []
  private readonly listeners: Array<(durable: number) => void> = []
  private readonly commitListeners: Array<(commit: Commit) => void> = []
  /** Batches and records written, for the service's metrics. */
  batches = 0
  records = 0
  /** How long the last batch's write and fsync took. */
  lastCommitMs = 0

  private constructor(private readonly options: WriterOptions) {
    this.next = options.nextSeq
    this.durableSeq = options.nextSeq - 1
  }

  static async open(options: WriterOptions): Promise<Writer> {
    const writer = new Writer(options)
    const last = options.lastSegment
    if (last !== undefined) {
      const file = await options.files.append(`${options.dir}/${last.name}`)
      if (file.size < options.segmentBytes) writer.file = file
      else {
        await file.close()
        await writer.startSegment()
      }
    } else await writer.startSegment()
    return writer
  }

  /** Sequence the next `append` gets. */
  get nextSeq(): number {
    return this.next
  }

  /** Sequence of the last record made durable. */
  get durable(): number {
    return this.durableSeq
  }

  /**
   * Queue `payload[start, end)` as a record (copied at once); returns its sequence. It is durable once `durable`
   * reaches it. Throws once the writer failed.
   */
  append(payload: Uint8Array, start = 0, end = payload.length): number {
    if (this.failure !== undefined) throw this.failure
    if (this.closed) throw new Error("the journal is closed")
    const seq = this.next++
    this.filling.add(seq, payload, start, end)
    if (!this.scheduled) {
      this.scheduled = true
      // At the end of the current task: every record appended until then goes out in one write.
      queueMicrotask(this.commitNow)
    }
    return seq
  }

  /** Call `listener` with the last durable sequence after each batch. */
  onDurable(listener: (durable: number) => void): void {
    this.listeners.push(listener)
  }

  /** Call `listener` after each group commit with what it wrote and how long it took. */
  onCommit(listener: (commit: Commit) => void): void {
    this.commitListeners.push(listener)
  }

  /** Resolves once every record appended so far is durable. */
  sync(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const seq = this.next - 1
    if (seq <= this.durableSeq) return Promise.resolve()
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }))
  }

  /** Make everything appended durable, then close the file. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.sync().catch(() => undefined)
    this.closed = true
    await this.rotation?.catch(() => undefined)
    await this.file.close()
  }

  private readonly commitNow = (): void => {
    this.scheduled = false
    this.commit()
  }

  /** Start a commit of what is filling, unless the limit of commits in flight or a new segment holds it back. */
  private commit(): void {
    while (!this.filling.empty && this.inFlight < MAX_IN_FLIGHT && !this.rotating && this.failure === undefined) {
      const batch = this.filling
      this.filling = this.spare.pop() ?? new RecordBatch()
      this.inFlight++
      void this.commitBatch(batch)
    }
  }

  private async commitBatch(batch: RecordBatch): Promise<void> {
    const file = this.file
    const records = batch.records
    const lastSeq = batch.lastSeq
    try {
      const start = performance.now()
      const bytes = batch.seal()
      const written = this.lastWrite.then(() => file.write(bytes))
      this.lastWrite = written
      await written
      batch.clear()
      this.spare.push(batch)
      await file.sync()
      const end = performance.now()
      this.lastCommitMs = end - start
      if (this.commitListeners.length > 0) {
        const commit: Commit = {
          durable: lastSeq,
          records,
          bytes: bytes.length,
          startMs: performance.timeOrigin + start,
          endMs: performance.timeOrigin + end
        }
        for (const listener of this.commitListeners) listener(commit)
      }
      this.batches++
      this.records += records
      if (this.failure !== undefined) return
      // An fsync makes durable every write made before it started: the batches before this one too.
      if (lastSeq > this.durableSeq) {
        this.durableSeq = lastSeq
        this.release()
      }
    } catch (cause) {
      this.fail(cause instanceof Error ? cause : new Error(String(cause)))
      return
    } finally {
      this.inFlight--
    }
    if (this.failure !== undefined) return
    if (file.size >= this.options.segmentBytes) this.rotating = true
    if (!this.rotating) this.commit()
    // The last commit into a full segment to end starts the next segment.
    else if (this.inFlight === 0 && this.rotation === undefined) this.rotation = this.nextSegment()
  }

  /** Close the full segment and start the next (no commit is in flight); then commit what waited. */
  private async nextSegment(): Promise<void> {
    try {
      await this.file.close()
      await this.startSegment()
    } catch (cause) {
      this.fail(cause instanceof Error ? cause : new Error(String(cause)))
    } finally {
      this.rotating = false
      this.rotation = undefined
    }
    this.commit()
  }

  private release(): void {
    const durable = this.durableSeq
    let done = 0
    while (done < this.waiters.length && this.waiters[done]!.seq <= durable) this.waiters[done++]!.resolve()
    if (done > 0) this.waiters.splice(0, done)
    for (const listener of this.listeners) listener(durable)
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return
    this.failure = error
    for (const waiter of this.waiters.splice(0)) waiter.reject(error)
  }

  /** A new segment named after its first record, durable in its folder before any record in it is acknowledged. */
  private async startSegment(): Promise<void> {
    const { files, dir } = this.options
    // Records appended meanwhile wait in the next batch: the segment starts after the last durable one.
    this.file = await files.append(`${dir}/${segmentName(this.durableSeq + 1)}`)
    await this.file.write(SEGMENT_MAGIC)
    await this.file.sync()
    await files.syncDir(dir)
  }
}
