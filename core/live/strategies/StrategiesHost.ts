/**
 * The Strategies Service's deterministic core: strategy instances over live `MarketData`, `Accounts` and `Clock`,
 * fed one input at a time — a market data event, a batch of account events, a move of the clock. Everything a
 * strategy does in response (handlers, the fibers they wake, the timers that fall due) runs before the call
 * returns, on a `ReplayScheduler` and a `SimulatedClock` as in a backtest. So the same inputs in the same order
 * make the same orders with the same client order ids: a restart replays its journal of inputs through a fresh host
 * and gets back to where it stopped.
 *
 * Per market event, as in the backtest's replay: timers due before it fire first, at their own time; the accounts
 * are marked (`MarkPrice`); then the strategies see the event. Per batch of account events: every mirror applies the
 * whole batch, then the strategies on those accounts see its events in sequence.
 *
 * @since 0.1.0
 */
import { Effect, Exit, Fiber, Runtime, Scope } from "effect"
import { ReplayScheduler } from "../../backtest/ReplayScheduler"
import { SimulatedClock } from "../../backtest/SimulatedClock"
import { OrderBook } from "../../data/OrderBook"
import type { Currency } from "../../domain/Currency"
import type { AccountEvent } from "../../domain/Events"
import type { AccountId, InstrumentId, StrategyId } from "../../domain/Ids"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import type { MarketDataEvent } from "../../domain/MarketData"
import type { FxRates } from "../../engine/portfolio/FxRates"
import { markPrice, midPrice } from "../../engine/portfolio/MarkPrice"
import { Accounts } from "../../services/Accounts"
import { MarketData, type MarketDataError } from "../../services/MarketData"
import type { StrategyRequirements } from "../../strategy/Strategy"
import { AccountMirror } from "./AccountMirror"
import { type AccountsInput, LiveAccounts } from "./LiveAccounts"
import { LiveMarketData } from "./LiveMarketData"

export interface HostStrategy {
  /** The strategy instance id: the orders' strategy id and the prefix of their client order ids. */
  readonly id: string
  readonly accountId: AccountId
  /** The instruments the strategy sees, in its order. */
  readonly specs: InstrumentSpecs
  readonly program: Effect.Effect<void, MarketDataError, StrategyRequirements>
}

export interface HostOptions {
  /** Every instrument the accounts may hold, for valuing them. */
  readonly specs: InstrumentSpecs
  readonly fx: FxRates
  /** Each account's base currency (its equity's currency). */
  readonly accounts: ReadonlyMap<AccountId, Currency>
  readonly strategies: ReadonlyArray<HostStrategy>
  /** A strategy's command, to go out to the Accounts Service. */
  readonly send: (strategyId: string, input: AccountsInput) => void
  /** A line for the operator (orders, fills, PnL): `fields` are logged as annotations. */
  readonly log: (message: string, fields: Readonly<Record<string, unknown>>) => void
  /** Where the strategies' fibers run (their scheduler and clock are the host's own). */
  readonly runtime: Runtime.Runtime<never>
}

interface Instance {
  readonly strategy: HostStrategy
  readonly marketData: LiveMarketData
  readonly accounts: LiveAccounts
  scope: Scope.CloseableScope | undefined
}

export class StrategiesHost {
  readonly clock = new SimulatedClock(0)
  private readonly scheduler = new ReplayScheduler()
  private readonly mirrors = new Map<AccountId, AccountMirror>()
  private readonly instances: ReadonlyArray<Instance>
  /** Instruments that had a quote, trade or bar: a book marks only the others. */
  private readonly priced = new Set<InstrumentId>()
  /** The books of instruments without prices, for their marks. */
  private readonly books = new Map<InstrumentId, OrderBook>()
  private started = false

  constructor(private readonly options: HostOptions) {
    for (const [accountId, base] of options.accounts) {
      this.mirrors.set(accountId, new AccountMirror(accountId, options.specs, base, options.fx))
    }
    this.instances = options.strategies.map((strategy) => {
      const mirror = this.mirrors.get(strategy.accountId)
      if (mirror === undefined) throw new RangeError(`strategy ${strategy.id}: no mirror of ${strategy.accountId}`)
      return {
        strategy,
        marketData: new LiveMarketData(strategy.specs),
        accounts: new LiveAccounts({
          mirror,
          strategyId: strategy.id as StrategyId,
          now: () => this.clock.now,
          send: (input) => options.send(strategy.id, input)
        }),
        scope: undefined
      }
    })
  }

  /** Whether the strategies were started. */
  get isStarted(): boolean {
    return this.started
  }

  /** The account's mirror (what its strategies see). */
  mirror(accountId: AccountId): AccountMirror | undefined {
    return this.mirrors.get(accountId)
  }

  /** Start every strategy at `ts`: each program subscribes its handlers and forks its timers, then returns. */
  start(ts: number): void {
    this.clock.setTime(ts)
    this.started = true
    for (const instance of this.instances) {
      const setup = Effect.gen(function* () {
        const scope = yield* Scope.make()
        yield* instance.strategy.program.pipe(
          Scope.extend(scope),
          Effect.provideService(MarketData, instance.marketData.service),
          Effect.provideService(Accounts, instance.accounts.service)
        )
        return scope
      }).pipe(Effect.withClock(this.clock))
      const fiber = Runtime.runFork(this.options.runtime)(setup, { scheduler: this.scheduler })
      this.scheduler.drain()
      const exit = fiber.unsafePoll()
      if (exit !== null && Exit.isSuccess(exit)) instance.scope = exit.value
      else {
        this.options.log("strategy setup failed", {
          strategy: instance.strategy.id,
          error: exit === null ? "setup did not finish" : String(exit.cause)
        })
      }
    }
  }

  /** Fire every timer due at or before `ts`, each at its own time, then move the clock to `ts`. */
  advance(ts: number): void {
    const clock = this.clock
    for (let at = clock.nextTimer(); at <= ts; at = clock.nextTimer()) {
      clock.fireNext(at)
      this.scheduler.drain()
    }
    clock.setTime(ts)
  }

  /** Time of the earliest pending timer, µs, or `Infinity`. */
  nextTimer(): number {
    return this.clock.nextTimer()
  }

  /** Mark the accounts with `event`, then hand it to the strategies. */
  market(event: MarketDataEvent): void {
    const price = markPrice(event) ?? this.bookMark(event)
    if (price !== undefined) for (const mirror of this.mirrors.values()) mirror.mark(event.instrumentId, price)
    for (const instance of this.instances) instance.marketData.deliver(event)
    this.scheduler.drain()
  }

  /** Apply a batch of account events to the mirrors, then hand each to the strategies of its account. */
  accounts(events: ReadonlyArray<AccountEvent>): void {
    for (const event of events) this.mirrors.get(event.accountId)?.apply(event)
    for (const event of events) {
      if (!this.mirrors.has(event.accountId)) continue
      this.report(event)
      for (const instance of this.instances) {
        if (instance.strategy.accountId === event.accountId) instance.accounts.deliver(event)
      }
    }
    this.scheduler.drain()
  }

  /** Stop the strategies: their finalizers run (what they send then still goes out). */
  get close(): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      for (const instance of this.instances) {
        const scope = instance.scope
        if (scope === undefined) continue
        instance.scope = undefined
        const fiber = yield* Effect.forkDaemon(Scope.close(scope, Exit.void)).pipe(Effect.withScheduler(this.scheduler))
        this.scheduler.drain()
        yield* Fiber.await(fiber)
      }
    })
  }

  /**
   * The mark of a book update: the mid of the instrument's book after the batch, for an instrument that had no
   * quote, trade or bar so far (the backtest marks only instruments without them at their book's mid).
   */
  private bookMark(event: MarketDataEvent): number | undefined {
    const id = event.instrumentId
    if (event._tag !== "BookDelta") {
      this.priced.add(id)
      return undefined
    }
    if (this.priced.has(id)) return undefined
    let book = this.books.get(id)
    if (book === undefined) {
      book = new OrderBook(id, 0)
      this.books.set(id, book)
    }
    if (event.action === "clear") book.clear()
    else book.set(event.side === "bid" ? 0 : 1, event.price, event.action === "delete" ? 0 : event.size)
    return event.last && book.bidDepth > 0 && book.askDepth > 0
      ? midPrice(book.bidPrice(0), book.askPrice(0))
      : undefined
  }

  /** Orders, fills and PnL as they happen, for the operator. */
  private report(event: AccountEvent): void {
    const mirror = this.mirrors.get(event.accountId)!
    switch (event._tag) {
      case "OrderSubmitted": {
        const o = event.order
        this.options.log("order", {
          account: o.accountId,
          strategy: o.strategyId,
          clientOrderId: o.clientOrderId,
          orderId: o.orderId,
          instrument: o.instrumentId,
          side: o.side,
          type: o.type,
          quantity: o.quantity,
          ...(o.limitPrice === undefined ? {} : { limitPrice: o.limitPrice })
        })
        return
      }
      case "OrderRejected":
        this.options.log("order rejected", {
          account: event.accountId,
          clientOrderId: event.clientOrderId,
          reason: event.reason,
          message: event.message
        })
        return
      case "OrderFilled": {
        const f = event.fill
        this.options.log("fill", {
          account: f.accountId,
          clientOrderId: f.clientOrderId,
          instrument: f.instrumentId,
          side: f.side,
          quantity: f.quantity,
          price: f.price,
          fee: f.fee,
          position: mirror.position(f.instrumentId),
          equity: mirror.equity()
        })
        return
      }
      case "PositionChanged":
        this.options.log("pnl", {
          account: event.accountId,
          instrument: event.position.instrumentId,
          position: event.position.quantity,
          realizedPnl: event.position.realizedPnl,
          fees: event.position.fees,
          equity: mirror.equity()
        })
        return
      default:
        return
    }
  }
}
