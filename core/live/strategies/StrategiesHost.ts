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
 * Instances come from the configuration (running from the start) or are deployed later (`control`: deploy, start,
 * stop, each an input of its own). Every account in the events is mirrored, so an instance deployed to any account
 * sees it as it stands. A stopped instance keeps its client order id counter: started again, it makes new ids.
 *
 * @since 0.1.0
 */
import { Cause, Effect, Exit, Fiber, Runtime, Scope } from "effect"
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
import type { Deployment, DeploymentView, LogLine } from "./Deployments"
import type { Control } from "./internal/inputs"
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
  /** A deployment's strategy, loaded and its parameters decoded (before its input is applied), or why it cannot be. */
  readonly prepare?: (deployment: Deployment) => PreparedDeployment
  /** The base currency of an account mirrored before any instance named one. */
  readonly defaultBase?: Currency
}

/** A deployment ready to run, or why it is not. */
export type PreparedDeployment =
  | { readonly strategy: HostStrategy; readonly base: Currency }
  | { readonly error: string }

/** The latest log lines kept per instance. */
const LOG_LINES = 30

interface Instance {
  strategy: HostStrategy | undefined
  marketData: LiveMarketData
  readonly accounts: LiveAccounts
  scope: Scope.CloseableScope | undefined
  /** Whether it should run (it does once the host started, unless its setup failed). */
  wanted: boolean
  error: string | undefined
  ordersSent: number
  lastEvent: LogLine | undefined
  readonly logs: Array<LogLine>
  /** Undefined for an instance of the configuration. */
  deployment: Deployment | undefined
}

export class StrategiesHost {
  readonly clock = new SimulatedClock(0)
  private readonly scheduler = new ReplayScheduler()
  private readonly mirrors = new Map<AccountId, AccountMirror>()
  private readonly instances = new Map<string, Instance>()
  /** Instruments that had a quote, trade or bar: a book marks only the others. */
  private readonly priced = new Set<InstrumentId>()
  /** The books of instruments without prices, for their marks. */
  private readonly books = new Map<InstrumentId, OrderBook>()
  private started = false

  constructor(private readonly options: HostOptions) {
    for (const [accountId, base] of options.accounts) {
      this.mirrors.set(accountId, new AccountMirror(accountId, options.specs, base, options.fx))
    }
    for (const strategy of options.strategies) {
      if (!this.mirrors.has(strategy.accountId)) {
        throw new RangeError(`strategy ${strategy.id}: no mirror of ${strategy.accountId}`)
      }
      this.instances.set(strategy.id, this.instance(strategy.id, strategy.accountId, strategy, undefined))
    }
  }

  private instance(id: string, accountId: AccountId, strategy: HostStrategy | undefined, deployment?: Deployment) {
    const instance: Instance = {
      strategy,
      marketData: new LiveMarketData(strategy?.specs ?? this.options.specs),
      accounts: new LiveAccounts({
        mirror: this.mirrors.get(accountId)!,
        strategyId: id as StrategyId,
        now: () => this.clock.now,
        send: (input) => {
          instance.ordersSent +=
            input._tag === "SubmitOrder" ? 1 : input._tag === "SubmitOrderList" ? input.orders.length : 0
          this.options.send(id, input)
        }
      }),
      scope: undefined,
      wanted: deployment === undefined,
      error: undefined,
      ordersSent: 0,
      lastEvent: undefined,
      logs: [],
      deployment
    }
    return instance
  }

  /** Whether the strategies were started. */
  get isStarted(): boolean {
    return this.started
  }

  /** The account's mirror (what its strategies see). */
  mirror(accountId: AccountId): AccountMirror | undefined {
    return this.mirrors.get(accountId)
  }

  /** Start the strategies at `ts` (those asked to run): each program subscribes its handlers and forks its timers. */
  start(ts: number): void {
    this.clock.setTime(ts)
    this.started = true
    for (const instance of this.instances.values()) if (instance.wanted) this.run(instance)
  }

  /** Apply an operator's deployment, start or stop (the clock is at its time). */
  control(input: Control): void {
    if (input.k === "D") {
      this.deploy(input.d)
      return
    }
    const instance = this.instances.get(input.id)
    if (instance === undefined) return
    if (input.k === "g") {
      instance.wanted = true
      instance.error = undefined
      if (this.started && instance.scope === undefined) this.run(instance)
    } else {
      instance.wanted = false
      const scope = instance.scope
      instance.scope = undefined
      if (scope !== undefined) this.runNow(Scope.close(scope, Exit.void))
      this.note(instance, "stopped")
    }
  }

  /**
   * Why `deployment` cannot be applied now, if it cannot: an instance of the configuration, or one that runs, keeps
   * its program; a new version of a stopped one trades the same account (its client order ids go on counting).
   */
  refusal(deployment: Deployment): string | undefined {
    const known = this.instances.get(deployment.id)
    if (known === undefined) return undefined
    if (known.deployment === undefined) return `id: ${deployment.id} is an instance of the service's configuration`
    if (known.scope !== undefined || known.wanted) return `id: ${deployment.id} is running: stop it first`
    if (known.deployment.account !== deployment.account) {
      return `account: ${deployment.id} trades ${known.deployment.account}; deploy another id to trade ${deployment.account}`
    }
    const mirror = this.mirrors.get(deployment.account as AccountId)
    if (mirror !== undefined && deployment.baseCurrency !== undefined && mirror.base.code !== deployment.baseCurrency) {
      return `baseCurrency: account ${deployment.account} is valued in ${mirror.base.code}`
    }
    return undefined
  }

  /** Every instance: its state, orders, last event and latest log lines. */
  deployments(): ReadonlyArray<DeploymentView> {
    return [...this.instances.entries()].map(([id, instance]) => {
      const d = instance.deployment
      const strategy = instance.strategy
      return {
        id,
        origin: d === undefined ? "config" : "deployed",
        strategy: d?.strategy ?? "",
        version: d?.version ?? "",
        account: instance.accounts.service.accountId,
        params: d?.params ?? {},
        instruments:
          strategy === undefined ? [...(d?.instruments ?? [])] : strategy.specs.list.map((s) => s.instrument.id),
        state:
          instance.scope !== undefined
            ? "running"
            : instance.error !== undefined
              ? "failed"
              : instance.wanted
                ? "starting"
                : "stopped",
        ...(instance.error === undefined ? {} : { error: instance.error }),
        ordersSent: instance.ordersSent,
        ...(instance.lastEvent === undefined ? {} : { lastEvent: instance.lastEvent }),
        logs: instance.logs
      }
    })
  }

  private deploy(deployment: Deployment): void {
    const prepared = this.options.prepare?.(deployment) ?? { error: "this service does not take deployments" }
    const accountId = deployment.account as AccountId
    if (!this.mirrors.has(accountId)) {
      const base = "base" in prepared ? prepared.base : this.options.defaultBase
      if (base === undefined) return
      this.mirrors.set(accountId, new AccountMirror(accountId, this.options.specs, base, this.options.fx))
    }
    const strategy = "strategy" in prepared ? prepared.strategy : undefined
    const known = this.instances.get(deployment.id)
    const instance = known ?? this.instance(deployment.id, accountId, strategy, deployment)
    if (known !== undefined) {
      known.strategy = strategy
      known.deployment = deployment
      if (strategy !== undefined) known.marketData = new LiveMarketData(strategy.specs)
    }
    this.instances.set(deployment.id, instance)
    instance.error = "error" in prepared ? prepared.error : undefined
    this.note(instance, `deployed ${deployment.strategy} ${deployment.version}`)
  }

  /** Run an instance's program now: its handlers subscribe and its timers fork before this returns. */
  private run(instance: Instance): void {
    const strategy = instance.strategy
    if (strategy === undefined) {
      instance.error ??= "its strategy is not loaded"
      return
    }
    const setup = Effect.gen(function* () {
      const scope = yield* Scope.make()
      yield* strategy.program.pipe(
        Scope.extend(scope),
        Effect.provideService(MarketData, instance.marketData.service),
        Effect.provideService(Accounts, instance.accounts.service)
      )
      return scope
    }).pipe(Effect.withClock(this.clock))
    const exit = this.runNow(setup)
    if (exit !== null && Exit.isSuccess(exit)) {
      instance.scope = exit.value
      instance.error = undefined
      this.note(instance, "started")
    } else {
      const error = exit === null ? "setup did not finish" : Cause.pretty(exit.cause).split("\n")[0]!
      instance.error = error
      this.note(instance, `setup failed: ${error}`)
      this.options.log("strategy setup failed", { strategy: strategy.id, error })
    }
  }

  /** Run `effect` on the host's scheduler until nothing is left to do; its exit, or null if it is still waiting. */
  private runNow<A, E>(effect: Effect.Effect<A, E>): Exit.Exit<A, E> | null {
    const fiber = Runtime.runFork(this.options.runtime)(effect, { scheduler: this.scheduler })
    this.scheduler.drain()
    return fiber.unsafePoll()
  }

  /** A line of an instance's log, at the session's time; the last one is its last event. */
  private note(instance: Instance, line: string): void {
    const entry = { ts: this.clock.now, line }
    instance.lastEvent = entry
    instance.logs.push(entry)
    if (instance.logs.length > LOG_LINES) instance.logs.splice(0, instance.logs.length - LOG_LINES)
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
    for (const instance of this.instances.values()) instance.marketData.deliver(event)
    this.scheduler.drain()
  }

  /** Apply a batch of account events to the mirrors, then hand each to the strategies of its account. */
  accounts(events: ReadonlyArray<AccountEvent>): void {
    for (const event of events) this.mirrorOf(event.accountId)?.apply(event)
    for (const event of events) {
      let traded = false
      for (const instance of this.instances.values()) traded ||= instance.accounts.service.accountId === event.accountId
      if (!traded) continue
      this.report(event)
      for (const instance of this.instances.values()) {
        if (instance.accounts.service.accountId === event.accountId) instance.accounts.deliver(event)
      }
    }
    this.scheduler.drain()
  }

  /** The account's mirror, made at its first event when no instance named it yet. */
  private mirrorOf(accountId: AccountId): AccountMirror | undefined {
    let mirror = this.mirrors.get(accountId)
    const base = this.options.defaultBase
    if (mirror === undefined && base !== undefined) {
      mirror = new AccountMirror(accountId, this.options.specs, base, this.options.fx)
      this.mirrors.set(accountId, mirror)
    }
    return mirror
  }

  /** Stop the strategies: their finalizers run (what they send then still goes out). */
  get close(): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      for (const instance of this.instances.values()) {
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

  /** A line in the log of the instance that sent the order (its client order ids are `<instance id>-<n>`). */
  private noteOf(clientOrderId: string, line: string): void {
    const instance = this.instances.get(clientOrderId.replace(/-(list-)?\d+$/, ""))
    if (instance !== undefined) this.note(instance, line)
  }

  /** Orders, fills and PnL as they happen, for the operator. */
  private report(event: AccountEvent): void {
    const mirror = this.mirrors.get(event.accountId)!
    switch (event._tag) {
      case "OrderSubmitted": {
        const o = event.order
        this.noteOf(
          o.clientOrderId,
          `order ${o.orderId} ${o.side} ${o.quantity} ${o.instrumentId} ${o.type}${o.limitPrice === undefined ? "" : ` @ ${o.limitPrice}`}`
        )
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
        if (event.clientOrderId !== undefined)
          this.noteOf(event.clientOrderId, `rejected ${event.clientOrderId}: ${event.message}`)
        this.options.log("order rejected", {
          account: event.accountId,
          clientOrderId: event.clientOrderId,
          reason: event.reason,
          message: event.message
        })
        return
      case "OrderFilled": {
        const f = event.fill
        this.noteOf(f.clientOrderId, `fill ${f.side} ${f.quantity} ${f.instrumentId} @ ${f.price} (fee ${f.fee})`)
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
