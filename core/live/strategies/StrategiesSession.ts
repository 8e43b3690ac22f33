/**
 * The Strategies Service's inputs on their way to the strategies (`StrategiesHost`): each one journaled before it
 * is delivered. A command a strategy sends leaves at once with the journal's records not yet durable through the
 * input that made it (the Accounts Service journals them with the command: one fsync on the way to the venue, not
 * two), or, past the tail's bounds, waits until that input is durable; so a crash never leaves an order out that
 * the replay would not make again. After a restart, the records the commands carried are put back in the journal
 * (`appendLostTail`) and `replay` feeds the journal through a fresh host: the commands come out again with the same
 * client order ids, those answered before the crash stay in, and the rest go to the Accounts Service, which answers
 * a resent order with its original outcome.
 *
 * In lockstep (docs/live-session.md, step 4), per settled market event `i`: ask the Accounts Service for its
 * `Watermark`, deliver the account events up to it, deliver `i` (timers due before it first), wait for the outcome
 * of every command sent, then send `Done(i)`; after a (re)connect to the Market Data Service, `Done` of the last
 * event done goes again.
 *
 * Time: on the feed clock, a market event moves the clock to its time (a bar's to its close); on the system clock,
 * every input carries the time it was delivered at and a timer due between inputs is an input of its own. Either
 * way the journal holds the time, so a replay runs the strategies through the same times.
 *
 * @since 0.1.0
 */
import { Either, Schema } from "effect"
import { AccountEvent } from "../../domain/Events"
import { markTime } from "../../engine/portfolio/MarkPrice"
import type { Journal } from "../../journal/Journal"
import { type Control, decodeInput, encodeInput, type Input, type Untimed } from "./internal/inputs"
import { decodeMarketEvent as decodeMarket } from "./internal/marketEvent"
import type { Tail } from "./internal/tailingJournal"
import type { AccountsInput } from "./LiveAccounts"
import type { StrategiesHost } from "./StrategiesHost"

/** The part of `Peer` the session uses: in-memory fakes stand in for it in tests. */
export interface SessionPeer {
  readonly request: (body: unknown, callback: (error: unknown, value: unknown) => void) => void
  readonly send: (body: unknown) => boolean
  readonly subscribe: (topic: string, afterSeq: number, onEvent: (seq: number, value: unknown) => void) => unknown
  readonly onConnect: (listener: () => void) => void
}

export interface SessionOptions {
  readonly host: StrategiesHost
  /** `flush`, when the journal holds records back (`TailingJournal`): hand them to the journal now. */
  readonly journal: Pick<Journal, "append" | "durable"> & { readonly flush?: () => void }
  /**
   * The journal's records not yet durable, from the first through `seq`, for a command to carry (the Accounts
   * Service journals them with it); undefined when there are too many. Without it, commands wait for the journal.
   */
  readonly tail?: (seq: number) => Tail | undefined
  readonly accounts: SessionPeer
  /** The Accounts Service's shards: the session follows `events/0` .. `events/<shards - 1>`. */
  readonly shards: number
  readonly lockstep: boolean
  readonly clock: "system" | "feed"
  /** The system clock, µs. */
  readonly now: () => number
  /** Call `wake` at system time `atUs` (µs) unless the returned cancel runs first. */
  readonly wakeAt: (atUs: number, wake: () => void) => () => void
  readonly log: (message: string, fields: Readonly<Record<string, unknown>>) => void
  /**
   * This service's name for its commands' request ids (`<prefix>:<n>`, n counting every command sent): a cancel or
   * a replace resent after a lost answer is then answered with its first outcome, as an order is by its client
   * order id.
   */
  readonly requestPrefix: string
}

const decodeAccount = Schema.decodeUnknownEither(AccountEvent)
type DecodedMarket = ReturnType<typeof decodeMarket>

interface Held {
  /** The journal record whose delivery made the command. */
  readonly record: number
  readonly n: number
  readonly input: AccountsInput
}

interface Watermark {
  readonly events: ReadonlyArray<number>
}

export class StrategiesSession {
  /** The last market data seq delivered. */
  lastMarket = 0
  /** The last account event seq delivered, per shard. */
  readonly lastAccount: Array<number>
  /** Commands sent and not yet answered. */
  inFlight = 0
  private readonly received: Array<Array<{ readonly seq: number; readonly value: unknown }>>
  private readonly held: Array<Held> = []
  private sent = 0
  /** During a replay: the commands answered before the crash. */
  private answered: ReadonlySet<number> = new Set()
  /** The journal record being delivered (0 in a replay: it is durable already). */
  private record = 0
  private readonly market: Array<{ readonly seq: number; readonly value: unknown }> = []
  /** The lockstep step in progress: its market seq, and whether the event was delivered. */
  private step: { readonly seq: number; delivered: boolean } | undefined
  private lastDone = 0
  private marketPeer: SessionPeer | undefined
  private flushQueued = false
  private readonly waiters: Array<() => boolean> = []
  private cancelWake: (() => void) | undefined

  constructor(private readonly options: SessionOptions) {
    this.lastAccount = new Array(options.shards).fill(0)
    this.received = Array.from({ length: options.shards }, () => [])
  }

  /** Feed the journal's records through the host, as they were delivered before. */
  replay(payloads: ReadonlyArray<Uint8Array>): void {
    const inputs = payloads.map(decodeInput)
    this.answered = new Set(inputs.flatMap((input) => (input.k === "r" ? [input.n] : [])))
    for (const input of inputs) if (input.k !== "r") this.apply(input)
    this.answered = new Set()
    if (this.options.lockstep && this.lastMarket > 0) this.step = { seq: this.lastMarket, delivered: true }
    this.lastDone = this.options.lockstep ? this.lastMarket - 1 : this.lastMarket
    this.checkDone()
  }

  /**
   * A command a strategy sent: out at once, carrying the journal records not yet durable through the input that
   * made it (`tail`), or, past the tail's bounds, once that input is durable. Either way in the order sent.
   */
  readonly send = (_strategyId: string, input: AccountsInput): void => {
    const n = ++this.sent
    if (this.answered.has(n)) return
    this.inFlight++
    const record = this.record
    if (this.held.length === 0 && record > this.options.journal.durable()) {
      const tail = this.options.tail?.(record)
      if (tail !== undefined) {
        this.dispatch(n, input, tail)
        return
      }
    }
    this.held.push({ record, n, input })
    this.release(this.options.journal.durable())
  }

  /** The journal made records through `durable` durable: send the commands they made. */
  release(durable: number): void {
    let done = 0
    while (done < this.held.length && this.held[done]!.record <= durable) {
      const { n, input } = this.held[done++]!
      this.dispatch(n, input, undefined)
    }
    if (done > 0) this.held.splice(0, done)
  }

  private dispatch(n: number, input: AccountsInput, tail: Tail | undefined): void {
    const prefix = this.options.requestPrefix
    const body =
      input._tag === "SubmitOrder"
        ? tail === undefined
          ? input
          : { ...input, senderTail: { sender: prefix, ...tail } }
        : {
            ...input,
            requestId: `${prefix}:${n}`,
            ...(tail === undefined ? {} : { senderTail: { sender: prefix, ...tail } })
          }
    this.options.accounts.request(body, (error, outcome) => this.answer(n, input, error, outcome))
  }

  /**
   * Follow the account events after those delivered, and deliver them up to the shards' current watermark;
   * `ready` runs once they are (the strategies' view then is the account as it stands).
   */
  followAccounts(ready: () => void): void {
    for (let s = 0; s < this.options.shards; s++) {
      this.options.accounts.subscribe(`events/${s}`, this.lastAccount[s]!, (seq, value) => {
        this.received[s]!.push({ seq, value })
        this.wakeWaiters()
        if (!this.options.lockstep) this.queueFlush()
      })
    }
    this.options.accounts.request({ _tag: "Watermark" }, (error, value) => {
      if (error !== undefined) {
        this.options.log("watermark refused", { error: String(error) })
        return
      }
      this.catchUp(value as Watermark, () => {
        if (this.options.clock === "system" && !this.options.host.isStarted) this.input({ k: "S", ts: this.now() })
        ready()
      })
    })
  }

  /** Follow `topic` on the Market Data Service after the last event delivered. */
  followMarketData(peer: SessionPeer, topic: string): void {
    this.marketPeer = peer
    peer.onConnect(() => {
      if (this.options.lockstep && this.lastDone > 0) peer.send({ _tag: "Done", seq: this.lastDone })
    })
    peer.subscribe(topic, this.lastMarket, (seq, value) => {
      this.market.push({ seq, value })
      this.pump()
    })
  }

  private now(): number {
    return this.options.clock === "feed" ? this.options.host.clock.now : this.options.now()
  }

  /**
   * An operator's deployment, start or stop (`Deployments.ts`), at the session's time: journaled, then applied; its
   * journal record (answer the operator once it is durable).
   */
  control(input: Untimed): number {
    const record = this.input({ ...input, ts: this.now() } as Control)
    // The operator's answer waits for this record to be durable: it goes to the journal now, not after the hold.
    this.options.journal.flush?.()
    return record
  }

  /** Journal `input`, then deliver it (a market event's `decoded` form, when it has it); its journal record. */
  private input(input: Input, decoded?: DecodedMarket): number {
    const record = this.options.journal.append(encodeInput(input))
    this.record = record
    this.apply(input, decoded)
    this.record = 0
    return record
  }

  private apply(input: Input, decodedMarket?: DecodedMarket): void {
    const host = this.options.host
    switch (input.k) {
      case "S":
        host.start(input.ts)
        break
      case "m": {
        host.advance(input.ts)
        const decoded = decodedMarket ?? decodeMarket(input.v)
        if (Either.isRight(decoded)) host.market(decoded.right)
        else this.options.log("market data event skipped", { seq: input.seq, error: decoded.left.message })
        this.lastMarket = input.seq
        break
      }
      case "a": {
        host.advance(input.ts)
        const events: Array<AccountEvent> = []
        input.v.forEach((value, i) => {
          const decoded = decodeAccount(value)
          if (Either.isRight(decoded)) events.push(decoded.right)
          else {
            const seq = input.seq - input.v.length + 1 + i
            this.options.log("account event skipped", { shard: input.s, seq, error: decoded.left.message })
          }
        })
        host.accounts(events)
        this.lastAccount[input.s] = input.seq
        break
      }
      case "t":
        host.advance(input.ts)
        break
      case "r":
        break
      default:
        host.advance(input.ts)
        host.control(input)
    }
    this.armTimer()
  }

  /** On the system clock, a timer due between inputs becomes an input at its time. */
  private armTimer(): void {
    if (this.options.clock !== "system" || !this.options.host.isStarted) return
    this.cancelWake?.()
    const at = this.options.host.nextTimer()
    this.cancelWake = Number.isFinite(at)
      ? this.options.wakeAt(at, () => {
          this.cancelWake = undefined
          this.input({ k: "t", ts: Math.max(at, this.now()) })
        })
      : undefined
  }

  private answer(n: number, input: AccountsInput, error: unknown, outcome: unknown): void {
    this.inFlight--
    this.options.journal.append(encodeInput({ k: "r", n }))
    if (error !== undefined) this.options.log("command failed", { command: input._tag, error: String(error) })
    else if ((outcome as { _tag?: string })._tag === "Refused") {
      this.options.log("command refused", { command: input._tag, outcome })
    }
    this.checkDone()
  }

  /** Deliver every account event received so far (outside lockstep, once the socket's batch is in). */
  private queueFlush(): void {
    if (this.flushQueued) return
    this.flushQueued = true
    queueMicrotask(() => {
      this.flushQueued = false
      for (let s = 0; s < this.options.shards; s++) this.deliverAccounts(s, Number.MAX_SAFE_INTEGER)
    })
  }

  private deliverAccounts(s: number, upTo: number): void {
    const buffer = this.received[s]!
    let count = 0
    while (count < buffer.length && buffer[count]!.seq <= upTo) count++
    if (count === 0) return
    const batch = buffer.splice(0, count)
    this.input({ k: "a", ts: this.now(), s, seq: batch[batch.length - 1]!.seq, v: batch.map((e) => e.value) })
  }

  /** Deliver the account events through `watermark`, once received; then `then`. */
  private catchUp(watermark: Watermark, then: () => void): void {
    const complete = () => {
      for (let s = 0; s < this.options.shards; s++) {
        const target = watermark.events[s] ?? 0
        const buffer = this.received[s]!
        const have = buffer.length > 0 ? buffer[buffer.length - 1]!.seq : this.lastAccount[s]!
        if (have < target) return false
      }
      for (let s = 0; s < this.options.shards; s++) this.deliverAccounts(s, watermark.events[s] ?? 0)
      then()
      return true
    }
    if (!complete()) this.waiters.push(complete)
  }

  private wakeWaiters(): void {
    for (let i = 0; i < this.waiters.length; ) {
      if (this.waiters[i]!()) this.waiters.splice(i, 1)
      else i++
    }
  }

  /** Take the next market event: at once, or in lockstep once the previous step is done. */
  private pump(): void {
    if (this.step !== undefined) return
    const next = this.market.shift()
    if (next === undefined) return
    if (!this.options.lockstep) {
      this.deliverMarket(next.seq, next.value)
      this.pump()
      return
    }
    const step = { seq: next.seq, delivered: false }
    this.step = step
    this.options.accounts.request({ _tag: "Watermark" }, (error, value) => {
      const watermark: Watermark = error === undefined ? (value as Watermark) : { events: [] }
      if (error !== undefined) this.options.log("watermark refused", { error: String(error) })
      this.catchUp(watermark, () => {
        this.deliverMarket(next.seq, next.value)
        step.delivered = true
        this.checkDone()
      })
    })
  }

  private deliverMarket(seq: number, value: unknown): void {
    const decoded = decodeMarket(value)
    const ts = this.options.clock === "feed" ? (Either.isRight(decoded) ? markTime(decoded.right) : 0) : this.now()
    if (!this.options.host.isStarted) {
      // A backtest starts its strategy at the first event's own time (a bar's open, though the bar is known at its
      // close): a strategy that reads the clock as it starts (a TWAP's start) must see the same time here.
      const start = this.options.clock === "feed" && Either.isRight(decoded) ? Math.min(decoded.right.ts, ts) : ts
      this.input({ k: "S", ts: start })
    }
    this.input({ k: "m", ts, seq, v: value }, decoded)
  }

  /** A lockstep step is done once its event was delivered and every command sent was answered. */
  private checkDone(): void {
    const step = this.step
    if (step === undefined || !step.delivered || this.inFlight > 0) return
    this.step = undefined
    this.lastDone = step.seq
    this.marketPeer?.send({ _tag: "Done", seq: step.seq })
    this.pump()
  }
}
