/**
 * The journal tails that commands carry: a sender that journals its own inputs (the Strategies Service) sends a
 * command before its journal has made the input behind it durable, with the records its journal has not yet made
 * durable, through the one that made the command. The shard journals them with the command, so one fsync (the
 * shard's) makes both durable, instead of two in a row on the way to the venue. After a crash the sender asks for
 * its tail (`{ _tag: "SenderTail", sender, after }`) and appends what its own journal lost before it replays: its
 * strategies then see the very inputs that made the commands the shard holds.
 *
 * Only each sender's latest tail is kept (the one through its highest record): it runs from the sender's durable
 * point when it was sent, which is never after the point the sender recovers to, so it covers everything lost.
 *
 * @since 0.1.0
 */
import { Either, Schema } from "effect"
import { formatIssue, issuesOf } from "../../protocol/Codec"

/** Records `first`, `first + 1`, ... of the journal of `sender` (its service instance). */
export const SenderTail = Schema.Struct({
  sender: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128)),
  first: Schema.Int.pipe(Schema.positive()),
  records: Schema.Array(Schema.Uint8ArrayFromSelf).pipe(Schema.minItems(1), Schema.maxItems(1024))
})
export type SenderTail = typeof SenderTail.Type

/** The request for a sender's records after `after`. */
export const SenderTailRequest = Schema.TaggedStruct("SenderTail", {
  sender: SenderTail.fields.sender,
  after: Schema.Int.pipe(Schema.nonNegative())
})

const decodeTail = Schema.decodeUnknownEither(SenderTail, { errors: "first" })

/** The tail a request's body carries: absent, valid, or a one-line reason it is not. */
export const senderTailOf = (body: unknown): { readonly tail?: SenderTail; readonly invalid?: string } => {
  const value = typeof body === "object" && body !== null ? (body as { senderTail?: unknown }).senderTail : undefined
  if (value === undefined) return {}
  const decoded = decodeTail(value)
  if (Either.isRight(decoded)) return { tail: decoded.right }
  const [issue] = issuesOf(decoded.left)
  return { invalid: formatIssue({ ...issue!, path: ["senderTail", ...issue!.path] }) }
}

/** A snapshot's form: sender, first, records, for each sender. */
export type SenderTailsImage = ReadonlyArray<readonly [string, number, ReadonlyArray<Uint8Array>]>

export class SenderTails {
  private readonly latest = new Map<string, SenderTail>()

  /** Keep `tail` if it reaches past the sender's latest. */
  note(tail: SenderTail): void {
    const held = this.latest.get(tail.sender)
    if (held === undefined || lastOf(tail) >= lastOf(held)) this.latest.set(tail.sender, tail)
  }

  /** The sender's records after `after`, as far as its latest tail reaches. */
  after(sender: string, after: number): { readonly first: number; readonly records: ReadonlyArray<Uint8Array> } {
    const held = this.latest.get(sender)
    if (held === undefined || lastOf(held) <= after) return { first: after + 1, records: [] }
    const from = Math.max(after + 1, held.first)
    return { first: from, records: held.records.slice(from - held.first) }
  }

  image(): SenderTailsImage {
    return [...this.latest.values()].map((tail) => [tail.sender, tail.first, tail.records] as const)
  }

  restore(image: SenderTailsImage): void {
    this.latest.clear()
    for (const [sender, first, records] of image) this.latest.set(sender, { sender, first, records })
  }
}

const lastOf = (tail: SenderTail): number => tail.first + tail.records.length - 1
