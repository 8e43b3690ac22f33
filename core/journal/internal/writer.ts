/**
 * The journal's single writer: group commit over the file port. Records appended while a write and its fsync are
 * in flight form the next batch, so one fsync makes a whole burst durable; a record is reported durable only after
 * the fsync that covers it. A failed write or fsync stops the writer for good: after a failed fsync the file's
 * state is unknown, and nothing more may be acknowledged.
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
  private spare = new RecordBatch()
  private flushing = false
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
    if (!this.flushing) {
      this.flushing = true
      // At the end of the current task: every record appended until then goes out in one write.
      queueMicrotask(() => void this.flush())
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
    await this.file.close()
  }

  private async flush(): Promise<void> {
    try {
      while (!this.filling.empty) {
        const batch = this.filling
        this.filling = this.spare
        this.spare = batch
        const start = performance.now()
        const bytes = batch.seal()
        await this.file.write(bytes)
        await this.file.sync()
        const end = performance.now()
        this.lastCommitMs = end - start
        this.durableSeq = batch.lastSeq
        if (this.commitListeners.length > 0) {
          const commit: Commit = {
            durable: batch.lastSeq,
            records: batch.records,
            bytes: bytes.length,
            startMs: performance.timeOrigin + start,
            endMs: performance.timeOrigin + end
          }
          for (const listener of this.commitListeners) listener(commit)
        }
        this.batches++
        this.records += batch.records
        batch.clear()
        this.release()
        if (this.file.size >= this.options.segmentBytes) {
          await this.file.close()
          await this.startSegment()
        }
      }
    } catch (cause) {
      this.fail(cause instanceof Error ? cause : new Error(String(cause)))
    } finally {
      this.flushing = false
    }
  }

  private release(): void {
    const durable = this.durableSeq
    let done = 0
    while (done < this.waiters.length && this.waiters[done]!.seq <= durable) this.waiters[done++]!.resolve()
    if (done > 0) this.waiters.splice(0, done)
    for (const listener of this.listeners) listener(durable)
  }

  private fail(error: Error): void {
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
