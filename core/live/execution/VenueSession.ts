/**
 * The Execution Service's single writer: its connector behind a journal of the inputs in the order they were
 * applied (market data events and venue commands, each with its source's sequence). An input is journaled, then
 * applied at once; the reports and the mark it produced are held until the journal made it durable, and only then
 * go out — so nothing reaches the Accounts Service that a crash could take back, and a replay of the journal
 * through a fresh connector gives the same reports, trade ids included (the Accounts Service ignores those it
 * already applied).
 *
 * @since 0.1.0
 */
import { Effect, Either, Option, Schema, type Scope } from "effect"
import { ExecutionCommand, type ExecutionReport } from "../../domain/Commands"
import { MarketDataEvent } from "../../domain/MarketData"
import { ticks, timestamp } from "../../domain/Units"
import { markPrice, markTime } from "../../engine/portfolio/MarkPrice"
import { type Journal, type JournalError, type JournalOptions, open as openJournal } from "../../journal/Journal"
import type { Mark } from "../accounts/ShardInput"
import type { Connector } from "./Connector"
import * as InputRecord from "./internal/inputRecord"

/** What an applied input sends to the Accounts Service: its reports, then (for market data) its mark. */
export type Outgoing = ExecutionReport | Mark

export interface VenueSessionOptions {
  readonly journal: JournalOptions
  /** The Accounts Service's shards: one `executions/<shard>` stream each. */
  readonly shards: number
  /** Whether a market data event marks its instrument (see `MarkPrice`). */
  readonly marks: boolean
  readonly connector: (report: (report: ExecutionReport) => void) => Connector
}

/** Why an input was not applied: it did not decode (the message names the field). */
export interface Skipped {
  readonly _tag: "Skipped"
  readonly message: string
}

const decodeEvent = Schema.decodeUnknownEither(MarketDataEvent)
const decodeCommand = Schema.decodeUnknownEither(ExecutionCommand)

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
  private connector!: Connector
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
      session.connector = options.connector((report) => session.collected.push(report))
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
      session.journal.onDurable((durable) => session.release(durable))
      return session
    })
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
    this.apply(record)
    const outgoing = this.collected
    this.collected = []
    this.held.push({ seq, send: () => send(outgoing) })
    this.release(this.journal.durable())
    return undefined
  }

  private check(record: InputRecord.InputRecord): Skipped | undefined {
    const error =
      record._tag === "MarketData"
        ? Either.getLeft(decodeEvent(record.value))
        : Either.getLeft(decodeCommand(record.value))
    return Option.match(error, {
      onNone: () => undefined,
      onSome: (e) => ({ _tag: "Skipped", message: e.message.replace(/\s+/g, " ") })
    })
  }

  private advance(record: InputRecord.InputRecord): void {
    if (record._tag === "MarketData") this.market = record.seq
    else this.executions[record.shard] = record.seq
  }

  /** Apply a journaled input to the connector; what it produces is collected. */
  private apply(record: InputRecord.InputRecord): void {
    this.advance(record)
    if (record._tag === "Command") {
      const command = decodeCommand(record.value)
      if (Either.isRight(command)) this.connector.execute(command.right)
      return
    }
    const decoded = decodeEvent(record.value)
    if (Either.isLeft(decoded)) return
    const event = decoded.right
    this.connector.marketData(event)
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
  }

  /** Send, in journal order, what the journal has made durable. */
  private release(durable: number): void {
    const held = this.held
    let done = 0
    while (done < held.length && held[done]!.seq <= durable) held[done++]!.send()
    if (done > 0) held.splice(0, done)
  }
}
