/**
 * The Strategies Service's journal, remembering the records it has not yet made durable, so that a command can
 * leave at once carrying them (`senderTail`, see `accounts/SenderTails`) instead of waiting for this journal's
 * fsync: the Accounts Service journals them with the command, and after a crash `appendLostTail` puts back what
 * this journal lost before the replay. A tail is bounded (a burst past the bounds waits for the fsync instead).
 */
import { Effect, Either, Schema } from "effect"
import { type Journal, JournalError } from "../../../journal/Journal"

/** The most records, and bytes, a command carries; past either, it waits for the fsync. */
export const MAX_TAIL_RECORDS = 64
export const MAX_TAIL_BYTES = 128 * 1024

export interface Tail {
  readonly first: number
  readonly records: ReadonlyArray<Uint8Array>
}

export class TailingJournal {
  private pending: Array<Uint8Array> = []
  private pendingBytes = 0
  /** Sequence of `pending[0]`. */
  private first: number

  constructor(private readonly journal: Pick<Journal, "append" | "durable" | "onDurable">) {
    this.first = journal.durable() + 1
    journal.onDurable((durable) => this.drop(durable))
  }

  readonly append = (payload: Uint8Array): number => {
    const seq = this.journal.append(payload)
    this.pending.push(payload)
    this.pendingBytes += payload.length
    return seq
  }

  readonly durable = (): number => this.journal.durable()

  /** The records not yet durable through `seq`; undefined past the bounds. */
  readonly tail = (seq: number): Tail | undefined => {
    const count = seq - this.first + 1
    if (count > MAX_TAIL_RECORDS || this.pendingBytes > MAX_TAIL_BYTES) return undefined
    return { first: this.first, records: this.pending.slice(0, count) }
  }

  private drop(durable: number): void {
    const count = Math.min(durable - this.first + 1, this.pending.length)
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
