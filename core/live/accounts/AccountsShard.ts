/**
 * One writer of the Accounts Service: the engine for a set of accounts behind a write-ahead journal.
 *
 * An input (command, venue report, mark) is stamped with the service's clock, appended to the journal and applied
 * to the engine at once, so the next input is checked against it; but its outcome, its account events and the
 * venue commands it made are held until the journal's group commit made it durable, and only then go out, in
 * journal order. So nothing is acknowledged, published or sent to a venue that a crash could take back, and
 * recovery (a replay of the journal through a fresh engine) rebuilds exactly the state and the events that went
 * out, sequence numbers included — the NAV marks derived from the inputs (`NavMarks`) as well.
 *
 * A client order id is idempotent across restarts: a submission whose id the shard already holds is answered with
 * the first one's outcome (once durable) and never journaled or applied again.
 *
 * @since 0.1.0
 */
import { crc32c } from "@node-rs/crc32"
import { Effect, Queue, Schema, type Scope } from "effect"
import { Packr } from "msgpackr"
import type { ExecutionCommand } from "../../domain/Commands"
import type { Currency } from "../../domain/Currency"
import type { AccountEvent } from "../../domain/Events"
import type { OrderId } from "../../domain/Ids"
import type { Instrument } from "../../domain/Instrument"
import { type InstrumentSpecs, makeSpecs } from "../../domain/InstrumentSpec"
import type { Account } from "../../domain/Portfolio"
import { RejectReason } from "../../domain/Reject"
import { AccountsEngine } from "../../engine/accounts/AccountsEngine"
import { AccountState, OrderRecord } from "../../engine/accounts/OrderRecord"
import { RateWindow, ScopeState } from "../../engine/accounts/ScopeState"
import { FxRates } from "../../engine/portfolio/FxRates"
import { Portfolio } from "../../engine/portfolio/Portfolio"
import { type Journal, type JournalError, type JournalOptions, open as openJournal } from "../../journal/Journal"
import { EventLog } from "./EventLog"
import { capture, type GraphContext, type GraphImage, graphContext, restoreInto } from "./internal/objectGraph"
import { OutcomeWindow } from "./internal/outcomeWindow"
import { TurnClock } from "./internal/turnClock"
import { type Append, WalCodec } from "./internal/walCodec"
import { type NavMark, NavMarker, type NavMarkerImage } from "./NavMarks"
import { type SenderTail, SenderTails, type SenderTailsImage } from "./SenderTails"
import type { ShardInput } from "./ShardInput"

/** What became of an input: accepted (with the order ids it created) or refused, at its journal sequence. */
export const Outcome = Schema.Union(
  Schema.TaggedStruct("Accepted", { seq: Schema.Number, orderIds: Schema.Array(Schema.String) }),
  Schema.TaggedStruct("Refused", { seq: Schema.Number, reason: RejectReason, message: Schema.String })
)
export type Outcome = typeof Outcome.Type

/**
 * Who waits for an input's outcome: called once the input is durable, with the `to` and `id` given to `handle` (a
 * session and a request id, say, so that a caller needs no closure per input) and how long ago, in ms, `handle`
 * took it.
 */
export type Answer = (outcome: Outcome, to: unknown, id: number, elapsedMs: number) => void

export interface ShardOptions {
  readonly journal: JournalOptions
  readonly accounts: ReadonlyArray<Account>
  readonly instruments: ReadonlyArray<Instrument>
  readonly currencies: ReadonlyArray<Currency>
  /**
   * The service's time in µs since the epoch for `input`, which is stamped with it before it is journaled: the
   * system clock, or the feed's time (`input.ts` never going back) in a session over a replayed feed.
   */
  readonly now: (input: ShardInput) => number
  /** Account events kept for subscribers to resume from (default 1,000,000). */
  readonly retainEvents?: number
  /** Snapshots of the shard's state, so that recovery replays only the journal after the latest; `false`: none. */
  readonly snapshots?: SnapshotOptions | false
}

/**
 * When the shard takes a snapshot: after `everyInputs` inputs or `everyBytes` journal bytes since the last one,
 * whichever comes first. Taking one stops the shard while its state is copied (tens of ms for a big book); writing
 * it waits for the journal to have made its records durable, then goes on alongside (temp file, fsync, rename).
 */
export interface SnapshotOptions {
  /**
   * Default 250 000: recovery then replays at most that many inputs after the snapshot (≈ 1.2 s on Node), and a
   * shard taking 100 000 orders/s stops for a copy every 2.5 s (≈ 0.1 s for a book of 100 000 open orders).
   */
  readonly everyInputs?: number
  /** Default 64 MiB. */
  readonly everyBytes?: number
  /**
   * The latest events of each stream (`events`, `executions`) a snapshot keeps, so that subscribers resume across a
   * restart from any sequence within that many of the snapshot, or later (default 16 384). Older ones are gone
   * from memory after a restart: the journal still holds their inputs, and a full replay regenerates them.
   */
  readonly events?: number
}

const SNAPSHOT_DEFAULTS = { everyInputs: 250_000, everyBytes: 64 * 1024 * 1024, events: 16_384 }
/** Changes whenever what a snapshot holds changes: a snapshot of another version is refused (full replay). */
const SNAPSHOT_VERSION = 6
// Records (key lists sent once per shape) halve a snapshot and its decoding time: it is mostly events and outcomes.
const snapshotPackr = new Packr({ useRecords: true })

/** A snapshot taken, to write once the journal made its record durable; or why it could not be taken, to log. */
type PendingSnapshot =
  | { readonly _tag: "Taken"; readonly seq: number; readonly bytes: Uint8Array }
  | { readonly _tag: "Failed"; readonly seq: number; readonly problem: string }

/** A shard's state as a snapshot holds it. */
interface ShardImage {
  readonly version: number
  /** Of the configuration the engine was built from: a snapshot of another one is refused. */
  readonly fingerprint: number
  readonly stamp: number
  readonly structures: Uint8Array
  readonly outcomes: ReadonlyArray<unknown>
  readonly events: { readonly first: number; readonly items: ReadonlyArray<AccountEvent> }
  readonly executions: { readonly first: number; readonly items: ReadonlyArray<ExecutionCommand> }
  readonly navs: { readonly first: number; readonly items: ReadonlyArray<NavMark> }
  readonly navMarker: NavMarkerImage
  readonly senderTails: SenderTailsImage
  readonly engine: GraphImage
}

/** The latest `count` of a log's items followed by `more`, and the sequence of the first. */
const tailOf = <A>(log: EventLog<A>, more: ReadonlyArray<A>, count: number) => {
  const last = log.last + more.length
  const first = Math.max(log.first, last - count + 1)
  const items = (log.read(first, Number.MAX_SAFE_INTEGER) ?? []).concat(more).slice(-count)
  return { first: last - items.length + 1, items }
}

/** Submissions remembered per account, and request ids per account, for resends: at least this many, the latest. */
const OUTCOMES_WINDOW = 32_768

export class AccountsShard {
  /** Account events that went out, for subscribers (sequence = position in this shard's stream). */
  readonly events: EventLog<AccountEvent>
  /** Venue commands that went out, for the Execution Service. */
  readonly executions: EventLog<ExecutionCommand>
  /** Each account's NAV at the hour ends of the shard's clock and after each cash movement (`NavMarks`). */
  readonly navs: EventLog<NavMark>
  private readonly engine: AccountsEngine
  private readonly specs: InstrumentSpecs
  private readonly codec = new WalCodec()
  /** Journal a record of the codec's; `appended` is then its sequence. */
  private readonly append: Append = (bytes, start, end) => {
    this.appended = this.journal.append(bytes, start, end)
  }
  /**
   * The inputs whose results wait for the journal, in journal order, as columns (no object per input): each one's
   * sequence, outcome, who waits for it, and where its events and venue commands end in `collected*`.
   */
  private readonly heldSeq: Array<number> = []
  private readonly heldOutcome: Array<Outcome> = []
  private readonly heldAnswer: Array<Answer | undefined> = []
  private readonly heldTo: Array<unknown> = []
  private readonly heldId: Array<number> = []
  private readonly heldAt: Array<number> = []
  private readonly heldEvents: Array<number> = []
  private readonly heldExecutions: Array<number> = []
  private readonly heldNavs: Array<number> = []
  private readonly outcomes: OutcomeWindow
  /** When the inputs of this turn arrived (ms, `performance.now`): what an answer's elapsed time counts from. */
  private readonly arrival = new TurnClock(() => performance.now())
  /** The journal tails the commands carried (`SenderTails`), each sender's latest. */
  readonly senderTails = new SenderTails()
  /** What the engine emitted for the held inputs (and, during `apply`, the current one), in order. */
  private readonly collectedEvents: Array<AccountEvent> = []
  private readonly collectedExecutions: Array<ExecutionCommand> = []
  private readonly collectedNavs: Array<NavMark> = []
  private readonly navMarker: NavMarker
  private journal!: Journal
  /** The latest stamp, recovered ones included: after a restart, time goes on from the journal's, never back. */
  private stamp = 0
  private readonly graph: GraphContext
  private readonly fingerprint: number
  private readonly snapshotEvery: typeof SNAPSHOT_DEFAULTS | undefined
  /** Sequence of the last record appended or recovered: the state is the state after it. */
  private appended = 0
  private inputsSinceSnapshot = 0
  private bytesSinceSnapshot = 0
  private snapshotting = false
  private snapshotQueue!: Queue.Queue<PendingSnapshot>
  /** Snapshots written since opening, and the sequence of the last. */
  snapshotsWritten = 0
  lastSnapshotSeq = 0
  /** Why the latest snapshot could not be taken or written, if it could not. */
  snapshotProblem: string | undefined = undefined

  private constructor(private readonly options: ShardOptions) {
    const specs = makeSpecs(options.instruments, options.currencies)
    this.specs = specs
    this.engine = new AccountsEngine({
      specs,
      fx: new FxRates(),
      accounts: options.accounts,
      output: {
        event: (event) => this.collectedEvents.push(event),
        execution: (command) => this.collectedExecutions.push(command)
      }
    })
    const retain = options.retainEvents ?? 1_000_000
    this.events = new EventLog(retain)
    this.executions = new EventLog(retain)
    this.navs = new EventLog(retain)
    this.navMarker = new NavMarker(
      options.accounts,
      new Map(options.currencies.map((c) => [c.code, c.decimals])),
      (accountId) => this.engine.portfolio(accountId).equity(),
      (mark) => this.collectedNavs.push(mark)
    )
    // Ids the engine still refuses as duplicates are answered from here; the engine's window is 16 384 per account.
    this.outcomes = new OutcomeWindow(
      options.accounts.map((account) => account.id),
      OUTCOMES_WINDOW,
      OUTCOMES_WINDOW * Math.max(1, options.accounts.length)
    )
    this.graph = graphContext(
      this.engine,
      [specs, options.accounts],
      [AccountState, OrderRecord, Portfolio, RateWindow, ScopeState]
    )
    const configuration = JSON.stringify([options.accounts, options.instruments, options.currencies])
    this.fingerprint = (crc32c as (input: Uint8Array) => number)(new TextEncoder().encode(configuration)) >>> 0
    this.snapshotEvery = options.snapshots === false ? undefined : { ...SNAPSHOT_DEFAULTS, ...options.snapshots }
  }

  /** Recover the shard from its journal, then take inputs. */
  static open(options: ShardOptions): Effect.Effect<AccountsShard, JournalError, Scope.Scope> {
    return Effect.gen(function* () {
      const shard = new AccountsShard(options)
      shard.journal = yield* openJournal(
        options.journal,
        (seq, payload) => shard.replay(seq, payload),
        (seq, payload) => shard.restore(seq, payload)
      )
      shard.journal.onDurable((durable) => shard.release(durable))
      shard.snapshotQueue = yield* Queue.unbounded<PendingSnapshot>()
      yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(shard.snapshotQueue), (s) => shard.write(s))))
      return shard
    })
  }

  /**
   * Take a snapshot of the state after every input so far and write it: completes with its sequence once it is
   * durable (0 when there is no input yet).
   */
  get snapshot(): Effect.Effect<number, JournalError> {
    return Effect.suspend(() => {
      const seq = this.appended
      if (seq === 0) return Effect.succeed(0)
      const bytes = this.image()
      return Effect.as(Effect.zipRight(this.journal.sync, this.journal.snapshot(seq, bytes)), seq)
    })
  }

  /** The state as a snapshot holds it (events limited to the latest that a snapshot keeps): equal states, equal bytes. */
  image(): Uint8Array {
    const keep = (this.snapshotEvery ?? SNAPSHOT_DEFAULTS).events
    const image: ShardImage = {
      version: SNAPSHOT_VERSION,
      fingerprint: this.fingerprint,
      stamp: this.stamp,
      structures: this.codec.structuresRecord,
      outcomes: this.outcomes.image(),
      events: tailOf(this.events, this.collectedEvents, keep),
      executions: tailOf(this.executions, this.collectedExecutions, keep),
      navs: tailOf(this.navs, this.collectedNavs, keep),
      navMarker: this.navMarker.image(),
      senderTails: this.senderTails.image(),
      engine: capture(this.engine, this.graph)
    }
    return snapshotPackr.pack(image)
  }

  /** The journal's recovery report (a torn tail cut, records replayed). */
  get recovered(): Journal["recovered"] {
    return this.journal.recovered
  }

  /** The service's time of the latest input (µs): what a read of `state` is as of. */
  get time(): number {
    return this.stamp
  }

  /** Engine queries (positions, cash, open orders) over the state after every input so far. */
  get state(): Pick<AccountsEngine, "portfolio" | "order" | "openOrders" | "riskControls"> {
    return this.engine
  }

  /**
   * Journal, apply, and call `answer(outcome, to, id)` once durable. The input's `ts` is replaced by the shard's
   * clock.
   */
  handle(input: ShardInput, answer?: Answer, to?: unknown, id = 0): void {
    // Inputs come decoded from the wire, the shard's own: stamped in place rather than copied.
    ;(input as { ts: number }).ts = this.stamp = Math.max(this.stamp, this.options.now(input))
    const known = this.known(input)
    if (known !== undefined) {
      // A resend: the first outcome, after what came before it; nothing journaled or applied again.
      this.hold(known.seq, known, answer, to, id)
      this.release(this.journal.durable())
      return
    }
    const bytes = this.codec.encode(input, this.append)
    const seq = this.appended
    this.hold(seq, this.apply(seq, input), answer, to, id)
    const every = this.snapshotEvery
    if (every === undefined) return
    this.inputsSinceSnapshot++
    this.bytesSinceSnapshot += bytes
    if (
      !this.snapshotting &&
      (this.inputsSinceSnapshot >= every.everyInputs || this.bytesSinceSnapshot >= every.everyBytes)
    ) {
      this.takeSnapshot(seq)
    }
  }

  /** Copy the state after record `seq` now; the fiber of `open` writes it once the journal made `seq` durable. */
  private takeSnapshot(seq: number): void {
    this.inputsSinceSnapshot = 0
    this.bytesSinceSnapshot = 0
    this.snapshotting = true
    try {
      Queue.unsafeOffer(this.snapshotQueue, { _tag: "Taken", seq, bytes: this.image() })
    } catch (cause) {
      // A state the image cannot hold (a bug, caught by the tests): the journal still holds everything.
      const problem = `its state could not be copied: ${messageOf(cause)}`
      Queue.unsafeOffer(this.snapshotQueue, { _tag: "Failed", seq, problem })
    }
  }

  private write(pending: PendingSnapshot): Effect.Effect<void> {
    const written: Effect.Effect<void, { readonly message: string }> =
      pending._tag === "Failed"
        ? Effect.fail({ message: pending.problem })
        : this.journal.sync.pipe(Effect.zipRight(this.journal.snapshot(pending.seq, pending.bytes)))
    return written.pipe(
      Effect.matchEffect({
        onFailure: (error) => {
          this.snapshotProblem = error.message
          // Not fatal: recovery replays from an older snapshot, or the whole journal.
          return Effect.logWarning("accounts shard snapshot not written").pipe(
            Effect.annotateLogs({ seq: pending.seq, reason: error.message })
          )
        },
        onSuccess: () =>
          Effect.sync(() => {
            this.snapshotsWritten++
            this.lastSnapshotSeq = pending.seq
            this.snapshotProblem = undefined
          })
      }),
      Effect.ensuring(Effect.sync(() => (this.snapshotting = false)))
    )
  }

  /** Call `listener` after each of the journal's group commits. */
  onCommit(listener: Parameters<Journal["onCommit"]>[0]): void {
    this.journal.onCommit(listener)
  }

  /** The journal's group commits so far. */
  journalStats(): ReturnType<Journal["stats"]> {
    return this.journal.stats()
  }

  /** Completes once every input so far is durable and its results went out. */
  get sync(): Effect.Effect<void, JournalError> {
    return this.journal.sync
  }

  /** Start from a snapshot's state; a message says why it cannot be used (then recovery replays more). */
  private restore(seq: number, payload: Uint8Array): string | undefined {
    let image: ShardImage
    try {
      image = snapshotPackr.unpack(payload) as ShardImage
      if (image.version !== SNAPSHOT_VERSION) return `a snapshot of version ${image.version}, not ${SNAPSHOT_VERSION}`
      if (image.fingerprint !== this.fingerprint) return "taken with other accounts, instruments or currencies"
      // The codec first: a full replay loads the journal's own structures again if the engine's image fails.
      this.codec.decode(image.structures)
      restoreInto(this.engine, image.engine, this.graph)
    } catch (cause) {
      return `its state cannot be restored: ${messageOf(cause)}`
    }
    this.stamp = image.stamp
    this.outcomes.restore(image.outcomes)
    this.events.restore(image.events.first, image.events.items)
    this.executions.restore(image.executions.first, image.executions.items)
    this.navs.restore(image.navs.first, image.navs.items)
    this.navMarker.restore(image.navMarker)
    this.senderTails.restore(image.senderTails)
    this.appended = seq
    return undefined
  }

  private replay(seq: number, payload: Uint8Array): void {
    this.appended = seq
    const input = this.codec.decode(payload)
    if (input === undefined) return
    this.stamp = Math.max(this.stamp, input.ts)
    this.apply(seq, input)
    // What a replay regenerates had gone out before the crash: subscribers resume from it.
    for (const event of this.collectedEvents) this.events.push(event)
    for (const command of this.collectedExecutions) this.executions.push(command)
    for (const mark of this.collectedNavs) this.navs.push(mark)
    this.collectedEvents.length = 0
    this.collectedExecutions.length = 0
    this.collectedNavs.length = 0
  }

  /** The outcome to answer a resend of `input` with, if it is one. */
  private known(input: ShardInput): Outcome | undefined {
    if (input._tag === "SubmitOrder") {
      return this.outcomes.submission(input.request.accountId, input.request.clientOrderId)
    }
    const requestId = (input as { readonly requestId?: string }).requestId
    return requestId === undefined ? undefined : this.outcomes.request(requestId)
  }

  /** Keep `outcome` for resends of `input`: a submission by its client order id, another input by its request id. */
  private remember(input: ShardInput, outcome: Outcome): void {
    if (input._tag === "SubmitOrder") {
      this.outcomes.rememberSubmission(input.request.accountId, input.request.clientOrderId, outcome)
      return
    }
    const requestId = (input as { readonly requestId?: string }).requestId
    if (requestId !== undefined) this.outcomes.rememberRequest(requestId, outcome)
  }

  private apply(seq: number, input: ShardInput): Outcome {
    const tail = (input as { readonly senderTail?: SenderTail }).senderTail
    if (tail !== undefined) this.senderTails.note(tail)
    const refusals = this.engine.refusals
    const firstEvent = this.collectedEvents.length
    // The hour the last input fell in is over if this one is past it: valued before this one changes anything.
    this.navMarker.before(input.ts)
    if (input._tag === "Mark") {
      const spec = this.specs.byId.get(input.instrumentId)
      if (spec === undefined) {
        const outcome: Outcome = {
          _tag: "Refused",
          seq,
          reason: "UNKNOWN_INSTRUMENT",
          message: `unknown instrument ${input.instrumentId}`
        }
        this.remember(input, outcome)
        return outcome
      }
      this.engine.mark(spec.index, input.price, input.ts)
    } else this.engine.handle(input)
    const refusal = this.engine.refusals === refusals ? undefined : this.engine.lastRefusal
    // Kept for resends (`OutcomeWindow`): an array of the ids' own length, not one that grew to 17 slots by `push`.
    let orderIds: Array<OrderId> | undefined
    for (let i = firstEvent; i < this.collectedEvents.length; i++) {
      const event = this.collectedEvents[i]!
      if (event._tag !== "OrderSubmitted") continue
      if (orderIds === undefined) orderIds = [event.order.orderId]
      else orderIds.push(event.order.orderId)
    }
    const outcome: Outcome =
      refusal === undefined || orderIds !== undefined
        ? { _tag: "Accepted", seq, orderIds: orderIds ?? NO_ORDERS }
        : { _tag: "Refused", seq, reason: refusal.reason, message: refusal.message }
    this.remember(input, outcome)
    if ((input._tag === "Deposit" || input._tag === "Withdraw") && outcome._tag === "Accepted") {
      this.navMarker.afterCash(input.accountId, input.ts)
    }
    return outcome
  }

  /** Hold an input's outcome, and the events and venue commands collected so far, until `seq` is durable. */
  private hold(seq: number, outcome: Outcome, answer: Answer | undefined, to: unknown, id: number): void {
    this.heldSeq.push(seq)
    this.heldOutcome.push(outcome)
    this.heldAnswer.push(answer)
    this.heldTo.push(to)
    this.heldId.push(id)
    this.heldAt.push(answer === undefined ? 0 : this.arrival.now())
    this.heldEvents.push(this.collectedEvents.length)
    this.heldExecutions.push(this.collectedExecutions.length)
    this.heldNavs.push(this.collectedNavs.length)
  }

  /** Send out, in journal order, everything the journal has made durable: each input's events, then its answer. */
  private release(durable: number): void {
    const seqs = this.heldSeq
    let done = 0
    while (done < seqs.length && seqs[done]! <= durable) done++
    if (done === 0) return
    const events = this.collectedEvents
    const executions = this.collectedExecutions
    let event = 0
    let execution = 0
    let nav = 0
    const navs = this.collectedNavs
    const now = performance.now()
    for (let i = 0; i < done; i++) {
      // Venue commands first: their subscriber's socket is written first, ahead of the (larger) events and answer.
      for (const end = this.heldExecutions[i]!; execution < end; execution++)
        this.executions.push(executions[execution]!)
      for (const end = this.heldEvents[i]!; event < end; event++) this.events.push(events[event]!)
      for (const end = this.heldNavs[i]!; nav < end; nav++) this.navs.push(navs[nav]!)
      this.heldAnswer[i]?.(this.heldOutcome[i]!, this.heldTo[i], this.heldId[i]!, now - this.heldAt[i]!)
    }
    // What stays held counts its events from the first one left.
    for (let i = done; i < seqs.length; i++) {
      this.heldEvents[i]! -= event
      this.heldExecutions[i]! -= execution
      this.heldNavs[i]! -= nav
    }
    events.splice(0, event)
    executions.splice(0, execution)
    navs.splice(0, nav)
    seqs.splice(0, done)
    this.heldOutcome.splice(0, done)
    this.heldAnswer.splice(0, done)
    this.heldTo.splice(0, done)
    this.heldId.splice(0, done)
    this.heldAt.splice(0, done)
    this.heldEvents.splice(0, done)
    this.heldExecutions.splice(0, done)
    this.heldNavs.splice(0, done)
  }
}

/** The order ids of an input accepted without creating any (a deposit, a cancel): one array for all, never changed. */
const NO_ORDERS: ReadonlyArray<OrderId> = []

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))
