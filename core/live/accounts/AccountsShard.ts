/**
 * One writer of the Accounts Service: the engine for a set of accounts behind a write-ahead journal.
 *
 * An input (command, venue report, mark) is stamped with the service's clock, appended to the journal and applied
 * to the engine at once, so the next input is checked against it; but its outcome, its account events and the
 * venue commands it made are held until the journal's group commit made it durable, and only then go out, in
 * journal order. So nothing is acknowledged, published or sent to a venue that a crash could take back, and
 * recovery (a replay of the journal through a fresh engine) rebuilds exactly the state and the events that went
 * out, sequence numbers included.
 *
 * A client order id is idempotent across restarts: a submission whose id the shard already holds is answered with
 * the first one's outcome (once durable) and never journaled or applied again.
 *
 * @since 0.1.0
 */
import { Effect, Schema, type Scope } from "effect"
import type { ExecutionCommand } from "../../domain/Commands"
import type { Currency } from "../../domain/Currency"
import type { AccountEvent } from "../../domain/Events"
import type { AccountId, ClientOrderId, OrderId } from "../../domain/Ids"
import type { Instrument } from "../../domain/Instrument"
import { type InstrumentSpecs, makeSpecs } from "../../domain/InstrumentSpec"
import type { Account } from "../../domain/Portfolio"
import { RejectReason } from "../../domain/Reject"
import { AccountsEngine } from "../../engine/accounts/AccountsEngine"
import { FxRates } from "../../engine/portfolio/FxRates"
import { type Journal, type JournalError, type JournalOptions, open as openJournal } from "../../journal/Journal"
import { EventLog } from "./EventLog"
import { WalCodec } from "./internal/walCodec"
import type { ShardInput } from "./ShardInput"

/** What became of an input: accepted (with the order ids it created) or refused, at its journal sequence. */
export const Outcome = Schema.Union(
  Schema.TaggedStruct("Accepted", { seq: Schema.Number, orderIds: Schema.Array(Schema.String) }),
  Schema.TaggedStruct("Refused", { seq: Schema.Number, reason: RejectReason, message: Schema.String })
)
export type Outcome = typeof Outcome.Type

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
}

/** An input's results, held until the journal made it durable. */
interface Held {
  readonly seq: number
  readonly outcome: Outcome
  readonly reply: ((outcome: Outcome) => void) | undefined
  readonly events: ReadonlyArray<AccountEvent>
  readonly executions: ReadonlyArray<ExecutionCommand>
}

const NONE: ReadonlyArray<never> = []

export class AccountsShard {
  /** Account events that went out, for subscribers (sequence = position in this shard's stream). */
  readonly events: EventLog<AccountEvent>
  /** Venue commands that went out, for the Execution Service. */
  readonly executions: EventLog<ExecutionCommand>
  private readonly engine: AccountsEngine
  private readonly specs: InstrumentSpecs
  private readonly codec = new WalCodec()
  private readonly held: Array<Held> = []
  private readonly outcomes = new Map<string, Outcome>()
  /** The keys of `outcomes` in the order they came, in a ring: the oldest is forgotten when a new one comes. */
  private readonly outcomeKeys: Array<string | undefined>
  private nextOutcomeKey = 0
  private collectedEvents: Array<AccountEvent> = []
  private collectedExecutions: Array<ExecutionCommand> = []
  private journal!: Journal
  /** The latest stamp, recovered ones included: after a restart, time goes on from the journal's, never back. */
  private stamp = 0

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
    // Ids the engine still refuses as duplicates are answered from here; the engine's window is 16 384 per account.
    this.outcomeKeys = new Array(32_768 * Math.max(1, options.accounts.length))
  }

  /** Recover the shard from its journal, then take inputs. */
  static open(options: ShardOptions): Effect.Effect<AccountsShard, JournalError, Scope.Scope> {
    return Effect.gen(function* () {
      const shard = new AccountsShard(options)
      shard.journal = yield* openJournal(options.journal, (seq, payload) => shard.replay(seq, payload))
      shard.journal.onDurable((durable) => shard.release(durable))
      return shard
    })
  }

  /** The journal's recovery report (a torn tail cut, records replayed). */
  get recovered(): Journal["recovered"] {
    return this.journal.recovered
  }

  /** Engine queries (positions, cash, open orders) over the state after every input so far. */
  get state(): Pick<AccountsEngine, "portfolio" | "order" | "openOrders"> {
    return this.engine
  }

  /** Journal, apply, and answer `reply` once durable. The input's `ts` is replaced by the shard's clock. */
  handle(input: ShardInput, reply?: (outcome: Outcome) => void): void {
    // Inputs come decoded from the wire, the shard's own: stamped in place rather than copied.
    ;(input as { ts: number }).ts = this.stamp = Math.max(this.stamp, this.options.now(input))
    const known = input._tag === "SubmitOrder" ? this.outcomes.get(keyOf(input.request)) : undefined
    if (known !== undefined) {
      // A resend: the first outcome, after what came before it; nothing journaled or applied again.
      this.held.push({ seq: known.seq, outcome: known, reply, events: NONE, executions: NONE })
      this.release(this.journal.durable())
      return
    }
    let seq = 0
    for (const record of this.codec.encode(input)) seq = this.journal.append(record)
    const outcome = this.apply(seq, input)
    this.held.push({ seq, outcome, reply, events: this.collectedEvents, executions: this.collectedExecutions })
    this.collectedEvents = []
    this.collectedExecutions = []
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

  private replay(seq: number, payload: Uint8Array): void {
    const input = this.codec.decode(payload)
    if (input === undefined) return
    this.stamp = Math.max(this.stamp, input.ts)
    this.apply(seq, input)
    // What a replay regenerates had gone out before the crash: subscribers resume from it.
    for (const event of this.collectedEvents) this.events.push(event)
    for (const command of this.collectedExecutions) this.executions.push(command)
    this.collectedEvents = []
    this.collectedExecutions = []
  }

  private apply(seq: number, input: ShardInput): Outcome {
    const refusals = this.engine.refusals
    const firstEvent = this.collectedEvents.length
    if (input._tag === "Mark") {
      const spec = this.specs.byId.get(input.instrumentId)
      if (spec === undefined) {
        return {
          _tag: "Refused",
          seq,
          reason: "UNKNOWN_INSTRUMENT",
          message: `unknown instrument ${input.instrumentId}`
        }
      }
      this.engine.mark(spec.index, input.price, input.ts)
    } else this.engine.handle(input)
    const refusal = this.engine.refusals === refusals ? undefined : this.engine.lastRefusal
    const orderIds: Array<OrderId> = []
    for (let i = firstEvent; i < this.collectedEvents.length; i++) {
      const event = this.collectedEvents[i]!
      if (event._tag === "OrderSubmitted") orderIds.push(event.order.orderId)
    }
    const outcome: Outcome =
      refusal === undefined || orderIds.length > 0
        ? { _tag: "Accepted", seq, orderIds }
        : { _tag: "Refused", seq, reason: refusal.reason, message: refusal.message }
    if (input._tag === "SubmitOrder") this.remember(keyOf(input.request), outcome)
    return outcome
  }

  private remember(key: string, outcome: Outcome): void {
    // Not the Map's own oldest key: finding it walks past every deleted entry, O(window) each time.
    const oldest = this.outcomeKeys[this.nextOutcomeKey]
    if (oldest !== undefined) this.outcomes.delete(oldest)
    this.outcomeKeys[this.nextOutcomeKey] = key
    this.nextOutcomeKey = (this.nextOutcomeKey + 1) % this.outcomeKeys.length
    this.outcomes.set(key, outcome)
  }

  /** Send out, in journal order, everything the journal has made durable. */
  private release(durable: number): void {
    const held = this.held
    let done = 0
    while (done < held.length && held[done]!.seq <= durable) {
      const { outcome, reply, events, executions } = held[done++]!
      for (const event of events) this.events.push(event)
      for (const command of executions) this.executions.push(command)
      reply?.(outcome)
    }
    if (done > 0) held.splice(0, done)
  }
}

const keyOf = (request: { readonly accountId: AccountId; readonly clientOrderId: ClientOrderId }): string =>
  `${request.accountId}\u0000${request.clientOrderId}`
