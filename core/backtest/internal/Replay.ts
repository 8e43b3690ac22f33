/**
 * The replay loop: plain TypeScript over columnar data, owned by the backtest's one fiber. Everything per event
 * is a direct call; Effect only runs when a strategy timer is due.
 */
import type { BookColumns, Columns } from "../../data/Columns"
import { mergeByTime, type Timeline } from "../../data/Merge"
import { OrderBook } from "../../data/OrderBook"
import type { ExecutionCommand } from "../../domain/Commands"
import type { AccountEvent } from "../../domain/Events"
import type { Fill } from "../../domain/Fill"
import type { AccountId, InstrumentId } from "../../domain/Ids"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import type { AccountsEngine } from "../../engine/accounts/AccountsEngine"
import { midPrice } from "../../engine/portfolio/MarkPrice"
import type { Portfolio } from "../../engine/portfolio/Portfolio"
import { newBarEvent, newQuoteEvent, newTradeEvent } from "../../services/internal/handlerTables"
import type { BarEvent, QuoteEvent, TradeEvent } from "../../services/MarketData"
import type { ReplayScheduler } from "../ReplayScheduler"
import type { SimulatedClock } from "../SimulatedClock"
import type { SimulatedVenue } from "../SimulatedVenue"
import { EquitySeries } from "./EquitySeries"
import type { HandlerTables } from "./Ports"

const DEFAULT_SAMPLE_US = 60_000_000
/** Events between two progress reports, a power of two minus one for a mask. */
const PROGRESS_MASK = 0xffff

export interface ReplayOptions {
  readonly data: ReadonlyArray<Columns>
  readonly specs: InstrumentSpecs
  readonly clock: SimulatedClock
  readonly scheduler: ReplayScheduler
  readonly tables: HandlerTables
  readonly accountId: AccountId
  readonly equitySampleUs: number | undefined
  readonly onProgress: ((replayed: number, total: number) => void) | undefined
  /** With one source whose rows are still being read: waits for them (see `BacktestConfig.arriving`). */
  readonly arriving?: ArrivingRows | undefined
}

/** Rows of a run's one source that arrive while it replays (a `BarStream`). */
export interface ArrivingRows {
  /** Waits until more than `row` rows are there or no more will come; returns the rows there. */
  waitFor(row: number): number
  /** About the rows to come, for progress. */
  readonly expectedRows: number
}

/**
 * At most the equity samples a replay of `data` takes: one per bar, one per sampling period of ticks (bounded by
 * their count), and the last one at the end.
 */
const expectedSamples = (data: ReadonlyArray<Columns>, sampleUs: number): number => {
  let samples = 2
  for (const columns of data) {
    if (columns.length === 0) continue
    const spanUs = columns.ts[columns.length - 1]! - columns.ts[0]!
    samples += columns.kind === "bar" ? columns.length : Math.min(columns.length, Math.ceil(spanUs / sampleUs) + 1)
  }
  return samples
}

/** Per instrument, 1 when the run has book rows of it and no quotes, trades or bars: its book's mid marks it. */
const bookMarked = (data: ReadonlyArray<Columns>, instruments: number): Uint8Array => {
  const marked = new Uint8Array(instruments)
  if (!data.some((columns) => columns.kind === "book")) return marked
  const priced = new Uint8Array(instruments)
  for (const columns of data) {
    const into = columns.kind === "book" ? marked : priced
    for (let r = 0; r < columns.length; r++) into[columns.instrument[r]!] = 1
  }
  for (let i = 0; i < instruments; i++) if (priced[i] === 1) marked[i] = 0
  return marked
}

export class Replay {
  private engine!: AccountsEngine
  private venue!: SimulatedVenue
  private portfolio!: Portfolio
  /**
   * Venue commands not yet sent: `pending[0]` .. `pending[pendingCount - 1]`. Like the outbox, a queue over an array
   * that never shrinks: truncating an array frees its backing store and the next push allocates another, at each
   * engine call that queues anything.
   */
  private readonly pending: Array<ExecutionCommand | undefined> = []
  private pendingCount = 0
  /**
   * Account events not yet delivered to the strategy, `outbox[0]` .. `outbox[outboxCount - 1]`: they go out once the
   * engine call that made them returns. A slot delivered is cleared, so that the queue keeps no event alive.
   */
  private readonly outbox: Array<AccountEvent | undefined> = []
  private outboxCount = 0
  private readonly fills: Array<Fill> = []
  private orders = 0
  private rejections = 0
  private readonly rejectionReasons = new Map<string, number>()
  /** The first message of each rejection reason: what the report shows as its sample. */
  private readonly rejectionSamples = new Map<string, string>()
  private readonly curve: EquitySeries
  private readonly lastPrice: Float64Array
  private readonly ids: ReadonlyArray<InstrumentId>
  private readonly sampleUs: number
  /** Each instrument's book, made at its first book row; handlers get it as their `BookEvent`. */
  private readonly books: Array<OrderBook | undefined>
  /** Time of each instrument's last book row if that row was a snapshot row, else NaN. */
  private readonly snapshotTs: Float64Array
  /** 1 for an instrument the book marks at its mid: one with no quotes, trades or bars in the run. */
  private readonly bookMarks: Uint8Array
  private nextSample = Number.NEGATIVE_INFINITY
  /** Time of the last equity sample (NaN before the first): a field, where reading the series' last boxed it. */
  private lastSampleTs = Number.NaN
  private processed = 0
  // One reusable event object per kind (see MarketData: handlers copy what they keep).
  private readonly quote: QuoteEvent = newQuoteEvent()

  private readonly trade: TradeEvent = newTradeEvent()

  private readonly bar: BarEvent = newBarEvent()

  constructor(private readonly options: ReplayOptions) {
    this.lastPrice = new Float64Array(options.specs.list.length).fill(Number.NaN)
    this.ids = options.specs.list.map((s) => s.instrument.id)
    this.sampleUs = options.equitySampleUs ?? DEFAULT_SAMPLE_US
    this.books = options.specs.list.map(() => undefined)
    this.snapshotTs = new Float64Array(options.specs.list.length).fill(Number.NaN)
    this.bookMarks = bookMarked(options.data, options.specs.list.length)
    this.curve = new EquitySeries(expectedSamples(options.data, this.sampleUs))
  }

  attach(engine: AccountsEngine, venue: SimulatedVenue): void {
    this.engine = engine
    this.venue = venue
    this.portfolio = engine.portfolio(this.options.accountId)
  }

  enqueue(command: ExecutionCommand): void {
    this.pending[this.pendingCount++] = command
  }

  onAccountEvent(event: AccountEvent): void {
    if (event._tag === "OrderFilled") this.fills.push(event.fill)
    else if (event._tag === "OrderSubmitted") this.orders++
    else if (event._tag === "OrderRejected") {
      this.rejections++
      this.rejectionReasons.set(event.reason, (this.rejectionReasons.get(event.reason) ?? 0) + 1)
      if (!this.rejectionSamples.has(event.reason)) this.rejectionSamples.set(event.reason, event.message)
    }
    this.outbox[this.outboxCount++] = event
  }

  /**
   * Run to quiet: account events go to the strategy, the orders it sent to the venue, and fibers they woke run,
   * until none of them has more. Handlers see each engine call's events whole and in order, after it returned, so
   * an order sent from a handler is checked against the state after the event it reacts to.
   */
  settle(): void {
    const scheduler = this.options.scheduler
    do {
      if (this.outboxCount > 0) this.deliver()
      if (this.pendingCount > 0) this.flush()
      scheduler.drain()
    } while (this.outboxCount > 0 || this.pendingCount > 0)
  }

  /** Hand queued account events to the handlers; the events their calls make join the end of the queue. */
  private deliver(): void {
    const outbox = this.outbox
    const handlers = this.options.tables.account
    for (let e = 0; e < this.outboxCount; e++) {
      const event = outbox[e]!
      outbox[e] = undefined
      for (let h = 0; h < handlers.length; h++) handlers[h]!(event)
    }
    this.outboxCount = 0
  }

  run(): void {
    const { data, clock, onProgress } = this.options
    // One source is already in time order: read it directly instead of through a merged timeline.
    const single = data.length === 1 ? data[0] : undefined
    const timeline: Timeline | undefined = single === undefined ? mergeByTime(data) : undefined
    const arriving = single === undefined ? undefined : this.options.arriving
    // Rows of a source still being read are replayed as they arrive, up to the last: `ready` moves on.
    const length = arriving?.expectedRows ?? single?.length ?? timeline?.length ?? 0
    let ready = arriving === undefined ? length : arriving.waitFor(0)
    let nextTimer = clock.nextTimer()
    for (let i = 0; i < ready; i++) {
      const columns = single ?? data[timeline!.source[i]!]!
      const r = single === undefined ? timeline!.row[i]! : i
      // A bar is known at its close; ticks at their own time.
      const ts = columns.kind === "bar" ? columns.ts[r]! + columns.periodUs[r]! : columns.ts[r]!
      // mergeByTime checks the order of several sources; a single one is checked here.
      if (ts < clock.now && single !== undefined) throw new RangeError(`market data go back in time at row ${r}`)
      if (ts >= nextTimer) nextTimer = this.fireTimers(ts)
      clock.setTime(ts)
      switch (columns.kind) {
        case "quote":
          this.onQuote(columns, r, ts)
          break
        case "trade":
          this.onTrade(columns, r, ts)
          break
        case "bar":
          this.onBar(columns, r, ts)
          break
        case "book":
          // An update is several rows: the loop goes on after its last.
          i += this.onBook(columns, r, ts, i, timeline) - 1
          break
      }
      // Fibers a handler woke (through a Queue or a Deferred) run now, not at the next timer.
      this.settle()
      if (ts >= this.nextSample) this.sample(ts, columns.kind === "bar")
      // Handlers may have started timers.
      nextTimer = clock.nextTimer()
      if ((i & PROGRESS_MASK) === PROGRESS_MASK && onProgress !== undefined) onProgress(i + 1, Math.max(length, ready))
      if (i + 1 === ready && arriving !== undefined) ready = arriving.waitFor(ready)
    }
    this.processed = ready
    onProgress?.(ready, ready)
    this.fireTimers(clock.now)
    this.sample(clock.now, true)
  }

  result() {
    return {
      equity: { ts: this.curve.ts, equity: this.curve.equity, exposed: this.curve.exposed },
      benchmark: { ts: this.curve.ts, price: this.curve.price },
      fills: this.fills,
      events: this.processed,
      orders: this.orders,
      rejections: this.rejections,
      rejectionReasons: Object.fromEntries(this.rejectionReasons),
      rejectionSamples: Object.fromEntries(this.rejectionSamples)
    }
  }

  /** Fire every timer due at or before `ts`, each at its own time; returns the next timer's time. */
  private fireTimers(ts: number): number {
    const clock = this.options.clock
    for (let at = clock.nextTimer(); at <= ts; at = clock.nextTimer()) {
      this.venue.advanceTo(at)
      this.settle()
      clock.fireNext(at)
      this.settle()
    }
    return clock.nextTimer()
  }

  /** Send queued venue commands; their answers reach the account now, and the strategy at the next delivery. */
  private flush(): void {
    const pending = this.pending
    for (let i = 0; i < this.pendingCount; i++) {
      const command = pending[i]!
      pending[i] = undefined
      this.venue.execute(command)
    }
    this.pendingCount = 0
    // Commands with no latency arrive now, so their answers reach the strategy before the next event.
    this.venue.advanceTo(this.options.clock.now)
  }

  /** Marks follow `MarkPrice`'s rule, the one the live services use; here on columns, without an event object. */
  private mark(index: number, price: number, ts: number): void {
    this.lastPrice[index] = price
    this.engine.mark(index, price, ts)
  }

  private onQuote(c: Extract<Columns, { kind: "quote" }>, r: number, ts: number): void {
    const index = c.instrument[r]!
    const bid = c.bidPrice[r]!
    const ask = c.askPrice[r]!
    this.venue.onQuote(index, ts, bid, c.bidSize[r]!, ask, c.askSize[r]!)
    this.mark(index, midPrice(bid, ask), ts)
    if (this.outboxCount > 0) this.deliver()
    const handlers = this.options.tables.quote[index]!
    if (handlers.length === 0) return
    const q = this.quote
    q.instrumentId = this.ids[index]!
    q.index = index
    q.ts = ts
    q.bidPrice = bid
    q.bidSize = c.bidSize[r]!
    q.askPrice = ask
    q.askSize = c.askSize[r]!
    for (let h = 0; h < handlers.length; h++) handlers[h]!(q)
  }

  private onTrade(c: Extract<Columns, { kind: "trade" }>, r: number, ts: number): void {
    const index = c.instrument[r]!
    const price = c.price[r]!
    this.venue.onTrade(index, ts, price, c.size[r]!, c.aggressor[r]! as 0 | 1 | 2)
    this.mark(index, price, ts)
    if (this.outboxCount > 0) this.deliver()
    const handlers = this.options.tables.trade[index]!
    if (handlers.length === 0) return
    const t = this.trade
    t.instrumentId = this.ids[index]!
    t.index = index
    t.ts = ts
    t.price = price
    t.size = c.size[r]!
    t.aggressor = c.aggressor[r]!
    for (let h = 0; h < handlers.length; h++) handlers[h]!(t)
  }

  private onBar(c: Extract<Columns, { kind: "bar" }>, r: number, ts: number): void {
    const index = c.instrument[r]!
    const openTs = c.ts[r]!
    const close = c.close[r]!
    this.venue.onBar(index, openTs, c.periodUs[r]!, c.open[r]!, c.high[r]!, c.low[r]!, close, c.volume[r]!)
    this.mark(index, close, ts)
    if (this.outboxCount > 0) this.deliver()
    const handlers = this.options.tables.bar[index]!
    if (handlers.length === 0) return
    const b = this.bar
    b.instrumentId = this.ids[index]!
    b.index = index
    b.ts = ts
    b.openTs = openTs
    b.periodUs = c.periodUs[r]!
    b.open = c.open[r]!
    b.high = c.high[r]!
    b.low = c.low[r]!
    b.close = close
    b.volume = c.volume[r]!
    for (let h = 0; h < handlers.length; h++) handlers[h]!(b)
  }

  /**
   * One book update from row `r`, at event `at` of the timeline (if any): the rows that follow it with the same
   * instrument and time, up to a row that starts a new snapshot. The venue and the replay's book apply it whole,
   * then the handlers see the book. Returns the rows it took.
   */
  private onBook(c: BookColumns, r: number, ts: number, at: number, timeline: Timeline | undefined): number {
    const index = c.instrument[r]!
    // A snapshot row starts a new book unless the instrument's previous row was a snapshot row of the same time.
    const reset = c.snapshot[r] === 1 && this.snapshotTs[index] !== ts
    const source = timeline === undefined ? 0 : timeline.source[at]!
    let end = r + 1
    while (
      end < c.length &&
      c.ts[end] === ts &&
      c.instrument[end] === index &&
      !(c.snapshot[end] === 1 && c.snapshot[end - 1] === 0) &&
      (timeline === undefined || (timeline.row[at + end - r] === end && timeline.source[at + end - r] === source))
    ) {
      end++
    }
    this.snapshotTs[index] = c.snapshot[end - 1] === 1 ? ts : Number.NaN
    this.venue.onBook(c, r, end, reset)
    let book = this.books[index]
    if (book === undefined) {
      book = new OrderBook(this.ids[index]!, index)
      this.books[index] = book
    }
    if (reset) book.clear()
    for (let k = r; k < end; k++) book.set(c.side[k]!, c.price[k]!, c.size[k]!)
    book.ts = ts
    book.snapshot = reset
    if (this.bookMarks[index] === 1 && book.bidDepth > 0 && book.askDepth > 0) {
      this.mark(index, midPrice(book.bidPrice(0), book.askPrice(0)), ts)
    }
    if (this.outboxCount > 0) this.deliver()
    const handlers = this.options.tables.book[index]!
    for (let h = 0; h < handlers.length; h++) handlers[h]!(book)
    return end - r
  }

  /** Record equity and exposure; bars sample at every bar time, ticks every `sampleUs`. */
  private sample(ts: number, everyEvent: boolean): void {
    const equity = this.portfolio.equity()
    let exposed = 0
    for (let i = 0; i < this.ids.length; i++) if (this.portfolio.positionQuantity(i) !== 0) exposed = 1
    if (this.lastSampleTs === ts) {
      this.curve.setLast(equity, exposed, this.lastPrice[0]!)
    } else {
      this.curve.push(ts, equity, exposed, this.lastPrice[0]!)
      this.lastSampleTs = ts
    }
    this.nextSample = everyEvent ? ts : ts + this.sampleUs
  }
}
