/**
 * The Execution Service's single writer: its connector behind a journal of the inputs in the order they were
 * applied (market data events and venue commands, each with its source's sequence, and a real venue's reports). An
 * input is journaled, then applied; what it produced is held until the journal made it durable, and only then
 * goes out — so nothing reaches the Accounts Service, or a real venue, that a crash could take back.
 *
 * A deterministic connector (the simulated venue) is applied at once and its reports are rebuilt by a replay of
 * the journal through a fresh one, trade ids included (the Accounts Service ignores those it already applied). A
 * real venue (`Venue`) gets each command once it is durable and never again on a replay; each report it sends is
 * journaled as an input before it is forwarded, and a replay sends the journaled reports again.
 *
 * @since 0.1.0
 */
import { Effect, Either, Option, Schema, type Scope } from "effect"
import { ExecutionCommand, ExecutionReport } from "../../domain/Commands"
import { MarketDataEvent } from "../../domain/MarketData"
import { ticks, timestamp } from "../../domain/Units"
import { markPrice, markTime } from "../../engine/portfolio/MarkPrice"
import { type Journal, type JournalError, type JournalOptions, open as openJournal } from "../../journal/Journal"
import type { Mark } from "../accounts/ShardInput"
import type { Connector, SynchronousVenue, VenueConnector } from "./Connector"
import * as InputRecord from "./internal/inputRecord"
import type { VenueState } from "./VenueState"
import { VenueView } from "./VenueView"

/** What an applied input sends to the Accounts Service: its reports, then (for market data) its mark. */
export type Outgoing = ExecutionReport | Mark

export interface VenueSessionOptions {
  readonly journal: JournalOptions
  /** The Accounts Service's shards: one `executions/<shard>` stream each. */
  readonly shards: number
  /** Whether a market data event marks its instrument (see `MarkPrice`). */
  readonly marks: boolean
  readonly connector: Connector
}

/**
 * Why an input was not applied: it did not decode (`Skipped`, the message names the field), or it is a fill the
 * Accounts Service was already sent (`Duplicate`: a venue resending, or reconciliation meeting a live report).
 */
export interface Skipped {
  readonly _tag: "Skipped" | "Duplicate"
  readonly message: string
}

const decodeEvent = Schema.decodeUnknownEither(MarketDataEvent)
const decodeCommand = Schema.decodeUnknownEither(ExecutionCommand)
const decodeReport = Schema.decodeUnknownEither(ExecutionReport)

const NOTHING: ReadonlyArray<Outgoing> = []

interface Held {
  readonly seq: number
  readonly send: () => void
}

export class VenueSession {
  /** The last market data sequence applied. */
  market = 0
  /** The last sequence applied of each shard's venue commands. */
  readonly executions: Array<number>
  /**
   * What the journal's replay produced, sent again after a restart since a crash may have lost some of it: every
   * report, and each instrument's last mark (an older one would only take the price back for a while).
   */
  readonly recovered: Array<Outgoing> = []
  /** What the Accounts Service was told of the orders sent to this venue: reconciliation's side of the account. */
  readonly view = new VenueView()
  private synchronous: SynchronousVenue | undefined
  private venue: VenueConnector | undefined
  /**
   * Whether the journal is being replayed: a real venue is sent nothing then (it has what it was sent); a simulated
   * one behind the port is given the journal's inputs again, and ignores those it took.
   */
  private replaying = true
  private journal!: Journal
  private collected: Array<Outgoing> = []
  private readonly held: Array<Held> = []

  private constructor(private readonly options: VenueSessionOptions) {
    this.executions = new Array<number>(options.shards).fill(0)
  }

  /** Recover from the journal through a fresh connector, then take inputs. */
  static open(options: VenueSessionOptions): Effect.Effect<VenueSession, JournalError, Scope.Scope> {
    return Effect.gen(function* () {
      const session = new VenueSession(options)
      const connector = options.connector
      if (connector._tag === "Deterministic") session.synchronous = connector.open((r) => session.collected.push(r))
      else session.venue = connector
      const marks = new Map<string, Mark>()
      session.journal = yield* openJournal(options.journal, (_, payload) => {
        session.apply(InputRecord.decode(payload))
        for (const outgoing of session.collected) {
          if (outgoing._tag === "Mark") marks.set(outgoing.instrumentId, outgoing)
          else session.recovered.push(outgoing)
        }
        session.collected = []
      })
      session.recovered.push(...marks.values())
      session.replaying = false
      session.journal.onDurable((durable) => session.release(durable))
      return session
    })
  }

  /** What the venue holds, for reconciliation. */
  get state(): VenueState {
    return this.venue?.state ?? this.synchronous!.state
  }

  /** The journal's recovery report. */
  get journalRecovered(): Journal["recovered"] {
    return this.journal.recovered
  }

  /**
   * Journal and apply market data event `seq`; `send` gets what it produced once it is durable, and is called once
   * in any case: with nothing, at once, for an event already applied or one that does not decode (`Skipped`).
   */
  marketData(seq: number, value: unknown, send: (outgoing: ReadonlyArray<Outgoing>) => void): Skipped | undefined {
    if (seq > this.market) return this.input({ _tag: "MarketData", seq, value }, send)
    send(NOTHING)
    return undefined
  }

  /** Journal and apply venue command `seq` of `shard`, as `marketData` does. */
  command(
    shard: number,
    seq: number,
    value: unknown,
    send: (outgoing: ReadonlyArray<Outgoing>) => void
  ): Skipped | undefined {
    if (seq > (this.executions[shard] ?? Number.POSITIVE_INFINITY)) {
      return this.input({ _tag: "Command", shard, seq, value }, send)
    }
    send(NOTHING)
    return undefined
  }

  /**
   * Journal execution report `value` that a real venue sent (or that reconciliation made), then forward it once
   * durable, as `marketData` does; a fill the Accounts Service was already sent is not journaled again.
   */
  report(value: unknown, send: (outgoing: ReadonlyArray<Outgoing>) => void): Skipped | undefined {
    const decoded = decodeReport(value)
    if (Either.isRight(decoded) && decoded.right._tag === "VenueFilled" && this.view.hasTrade(decoded.right.tradeId)) {
      send(NOTHING)
      return { _tag: "Duplicate", message: `fill ${decoded.right.tradeId} was already reported` }
    }
    return this.input({ _tag: "Report", value }, send)
  }

  /** Send a journaled command to the real venue again (reconciliation's rule for one that never reached it). */
  resend(command: ExecutionCommand): void {
    this.venue?.execution.execute(command)
  }

  private input(
    record: InputRecord.InputRecord,
    send: (outgoing: ReadonlyArray<Outgoing>) => void
  ): Skipped | undefined {
    const skipped = this.check(record)
    if (skipped !== undefined) {
      this.advance(record)
      send(NOTHING)
      return skipped
    }
    const seq = this.journal.append(InputRecord.encode(record))
    const forward = this.apply(record)
    const outgoing = this.collected
    this.collected = []
    this.held.push({
      seq,
      send: () => {
        forward?.()
        send(outgoing)
      }
    })
    this.release(this.journal.durable())
    return undefined
  }

  private check(record: InputRecord.InputRecord): Skipped | undefined {
    const error =
      record._tag === "MarketData"
        ? Either.getLeft(decodeEvent(record.value))
        : record._tag === "Command"
          ? Either.getLeft(decodeCommand(record.value))
          : Either.getLeft(decodeReport(record.value))
    return Option.match(error, {
      onNone: () => undefined,
      onSome: (e) => ({ _tag: "Skipped", message: e.message.replace(/\s+/g, " ") })
    })
  }

  private advance(record: InputRecord.InputRecord): void {
    if (record._tag === "MarketData") this.market = record.seq
    else if (record._tag === "Command") this.executions[record.shard] = record.seq
  }

  /**
   * Apply a journaled input: to a deterministic connector at once, its reports collected; for a real venue,
   * returns what reaches the venue once the input is durable (nothing on a replay, but a simulated venue's market
   * data). Either way the view learns of it.
   */
  private apply(record: InputRecord.InputRecord): (() => void) | undefined {
    const from = this.collected.length
    const forward = this.applyToConnector(record)
    for (let i = from; i < this.collected.length; i++) {
      const outgoing = this.collected[i]!
      if (outgoing._tag !== "Mark") this.view.report(outgoing)
    }
    return forward
  }

  private applyToConnector(record: InputRecord.InputRecord): (() => void) | undefined {
    this.advance(record)
    if (record._tag === "Report") {
      const report = decodeReport(record.value)
      if (Either.isRight(report)) this.collected.push(report.right)
      return undefined
    }
    if (record._tag === "Command") {
      const decoded = decodeCommand(record.value)
      if (Either.isLeft(decoded)) return undefined
      const command = decoded.right
      this.view.command(command)
      if (this.synchronous !== undefined) {
        this.synchronous.execute(command)
        return undefined
      }
      const venue = this.venue!
      const { shard, seq } = record
      const simulated = venue.simulated
      if (simulated !== undefined) {
        if (!this.replaying) return () => simulated.command(shard, seq, command)
        simulated.command(shard, seq, command)
        return undefined
      }
      return this.replaying ? undefined : () => venue.execution.execute(command)
    }
    const decoded = decodeEvent(record.value)
    if (Either.isLeft(decoded)) return undefined
    const event = decoded.right
    let forward: (() => void) | undefined
    if (this.synchronous !== undefined) this.synchronous.marketData(event)
    else if (this.venue!.simulated !== undefined) {
      const simulated = this.venue!.simulated
      const seq = record.seq
      if (this.replaying) simulated.marketData(seq, event)
      else forward = () => simulated.marketData(seq, event)
    }
    // After the venue processed the event, as in a backtest: the venue matches, then the account marks.
    const price = this.options.marks ? markPrice(event) : undefined
    if (price !== undefined) {
      this.collected.push({
        _tag: "Mark",
        instrumentId: event.instrumentId,
        price: ticks(price),
        ts: timestamp(markTime(event))
      })
    }
    return forward
  }

  /** Send, in journal order, what the journal has made durable. */
  private release(durable: number): void {
    const held = this.held
    let done = 0
    while (done < held.length && held[done]!.seq <= durable) held[done++]!.send()
    if (done > 0) held.splice(0, done)
  }
}
