/**
 * The Strategies Service's journal, remembering the records it has not yet made durable, so that a command can
 * leave at once carrying them (`senderTail`, see `accounts/SenderTails`) instead of waiting for this journal's
 * fsync: the Accounts Service journals them with the command, and after a crash `appendLostTail` puts back what
 * this journal lost before the replay. A tail is bounded (a burst past the bounds waits for the fsync instead).
 *
 * Since no command waits for this journal, its records are held a little before they go to it, `HOLD_RECORDS` or
 * `HOLD_MS` at most, so that one write and fsync covers several inputs: a quote and the answer and events of the
 * order it made are three turns, and each turn's own fsync cost this process two wake-ups and the disk a flush that
 * the Accounts Service's fsync, the one on the order's path, queued behind. A crash loses held records as it loses
 * those not yet durable, and recovery is the same: a command carried them; an input that made no command comes
 * again from its stream.
 *
 * The hold is long (`HOLD_MS`, about ten quotes' three records each at 100 quotes a second) because each fsync costs
 * this process a thread-pool round trip and the disk a flush queued beside the Accounts Service's, the one on the
 * order's path: in bench/tick-to-order a 20 ms hold meant one fsync per two quotes. A command's tail is longer for
 * it (half a hold more on average, a few KiB), and `MAX_TAIL_RECORDS` leaves room past a hold for an fsync that
 * stalls: a command waits for the journal only when records pile up behind a slow one. What an operator waits for
 * (a deployment, a start, a stop) is flushed at once by the session.
 */
import { Effect, Either, Schema } from "effect"
import { type Journal, JournalError } from "../../../journal/Journal"

/** The most records, and bytes, a command carries; past either, it waits for the fsync. */
export const MAX_TAIL_RECORDS = 128
export const MAX_TAIL_BYTES = 128 * 1024

/** Records held before they go to the journal: at most this many, or this long (well inside the tail's bounds). */
export const HOLD_RECORDS = 32
export const HOLD_MS = 100

export interface Tail {
  readonly first: number
  readonly records: ReadonlyArray<Uint8Array>
}

export class TailingJournal {
  /** Records not yet durable, from `first`: the journal has all but the last `held`. */
  private pending: Array<Uint8Array> = []
  private pendingBytes = 0
  /** Sequence of `pending[0]`. */
  private first: number
  private held = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  /** Shutting down: records go to the journal at once, so no timer outlives it. */
  private closing = false

  constructor(private readonly journal: Pick<Journal, "append" | "durable" | "onDurable">) {
    this.first = journal.durable() + 1
    journal.onDurable((durable) => this.drop(durable))
  }

  /** Hold `payload` as the next record; returns its sequence. */
  readonly append = (payload: Uint8Array): number => {
    const seq = this.first + this.pending.length
    this.pending.push(payload)
    this.pendingBytes += payload.length
    if (++this.held >= HOLD_RECORDS || this.closing) this.flush()
    else this.timer ??= setTimeout(this.flush, HOLD_MS)
    return seq
  }

  /** Hand the held records to the journal (which writes and fsyncs them at the end of the turn). */
  readonly flush = (): void => {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    for (let i = this.pending.length - this.held; i < this.pending.length; i++) this.journal.append(this.pending[i]!)
    this.held = 0
  }

  /** Before the journal closes: what is held goes to it, and so does every later record, at once. */
  readonly close = (): void => {
    this.closing = true
    this.flush()
  }

  readonly durable = (): number => this.journal.durable()

  /** The records not yet durable through `seq`; undefined past the bounds (the journal then gets them at once). */
  readonly tail = (seq: number): Tail | undefined => {
    const count = seq - this.first + 1
    if (count > MAX_TAIL_RECORDS || this.pendingBytes > MAX_TAIL_BYTES) {
      this.flush()
      return undefined
    }
    return { first: this.first, records: this.pending.slice(0, count) }
  }

  private drop(durable: number): void {
    const count = Math.min(durable - this.first + 1, this.pending.length - this.held)
    if (count <= 0) return
    for (let i = 0; i < count; i++) this.pendingBytes -= this.pending[i]!.length
    this.pending = this.pending.slice(count)
    this.first += count
  }
}

const LostTail = Schema.Struct({
  first: Schema.Int.pipe(Schema.positive()),
  records: Schema.Array(Schema.Uint8ArrayFromSelf)
})

/**
 * Ask the Accounts Service for the records of `sender` after this journal's last (what the commands sent before
 * a crash carried and the crash took from this journal), append them, and wait until they are durable; returns
 * them, for the replay after the records recovered.
 */
export const appendLostTail = (
  journal: Pick<Journal, "append" | "durable" | "sync">,
  sender: string,
  ask: (body: unknown) => Effect.Effect<unknown, unknown>
): Effect.Effect<ReadonlyArray<Uint8Array>, JournalError> =>
  Effect.gen(function* () {
    const after = journal.durable()
    const answer = yield* ask({ _tag: "SenderTail", sender, after }).pipe(
      Effect.mapError((error) => lost("Io", `the Accounts Service refused the request: ${String(error)}`))
    )
    const decoded = Schema.decodeUnknownEither(LostTail)(answer)
    if (Either.isLeft(decoded)) {
      return yield* lost("Io", `the Accounts Service's answer does not decode: ${decoded.left.message}`)
    }
    const { first, records } = decoded.right
    if (records.length === 0) return []
    if (first !== after + 1) {
      return yield* lost(
        "Corrupt",
        `the Accounts Service holds records from ${first} on, but this journal ends at ${after}`
      )
    }
    for (const record of records) journal.append(record)
    yield* journal.sync
    return records
  })

const lost = (reason: JournalError["reason"], message: string) =>
  new JournalError({ reason, message: `recovering the records the last commands carried: ${message}` })
