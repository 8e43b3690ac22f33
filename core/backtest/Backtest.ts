/**
 * The backtest runner: the live order flow in one process. Market data history is replayed in timestamp order
 * through the simulated venue and the strategy; orders go through the same Accounts engine as live; time is a
 * `SimulatedClock` and fibers run on a `ReplayScheduler`, so two runs of the same inputs are identical.
 *
 * Per event: the venue matches resting orders against it (fills reach the account), the account marks its
 * positions, the strategy receives the account events this made, then sees the market event; the orders it sent go
 * to the venue. Account events always reach the strategy after the engine call that made them returned, so an order
 * sent from a handler is checked against the state after the whole event. Timers due before an event fire first,
 * at their own time.
 *
 * @since 0.1.0
 */
import { Effect, Exit, Fiber, Schema, Scope } from "effect"
import type { Columns } from "../data/Columns"
import type { Currency } from "../domain/Currency"
import type { AccountEvent } from "../domain/Events"
import type { Fill } from "../domain/Fill"
import type { AccountId, CurrencyCode, StrategyId } from "../domain/Ids"
import type { Instrument } from "../domain/Instrument"
import { type InstrumentSpecs, makeSpecs } from "../domain/InstrumentSpec"
import type { AccountKind } from "../domain/Portfolio"
import type { RiskLimits, RiskScope } from "../domain/Risk"
import type { Timestamp } from "../domain/Units"
import { AccountsEngine } from "../engine/accounts/AccountsEngine"
import { FxRates } from "../engine/portfolio/FxRates"
import { Accounts } from "../services/Accounts"
import { MarketData, type MarketDataError } from "../services/MarketData"
import type { FxRate } from "../services/StaticData"
import type { StrategyRequirements } from "../strategy/Strategy"
import { makeAccounts, makeHandlerTables, makeMarketData } from "./internal/Ports"
import { type ArrivingRows, Replay } from "./internal/Replay"
import { ReplayScheduler } from "./ReplayScheduler"
import { SimulatedClock } from "./SimulatedClock"
import type { MakeSimulatedVenue } from "./SimulatedVenue"

export class BacktestError extends Schema.TaggedError<BacktestError>()("BacktestError", {
  reason: Schema.Literal("Config", "Strategy", "Engine"),
  message: Schema.String
}) {}

export interface BacktestConfig {
  readonly instruments: ReadonlyArray<Instrument>
  readonly currencies: ReadonlyArray<Currency>
  readonly fxRates?: ReadonlyArray<FxRate>
  /** Market data; each source's `instrument` column indexes `instruments`. */
  readonly data: ReadonlyArray<Columns>
  readonly strategyId: string
  readonly strategy: Effect.Effect<void, MarketDataError, StrategyRequirements>
  readonly account: {
    readonly id: string
    readonly kind: AccountKind
    readonly baseCurrency: string
    /** Initial deposit in minor units of the base currency. */
    readonly deposit: number
  }
  readonly riskLimits?: ReadonlyArray<{ readonly scope: RiskScope; readonly limits: RiskLimits }>
  readonly venue: MakeSimulatedVenue
  /** Equity sampling period for tick data, µs (default one minute). Bar data is sampled at every bar. */
  readonly equitySampleUs?: number
  /** Called with the events replayed and their total every `PROGRESS_EVERY` events and at the end. */
  readonly onProgress?: ((replayed: number, total: number) => void) | undefined
  /**
   * With one source whose rows are still being read (a `BarStream`): the replay waits for them as it goes. The
   * source's `length` is then its capacity; its first row must be there.
   */
  readonly arriving?: ArrivingRows | undefined
  /** Called with each account event as the engine makes it: what `meridian parity` compares with a session's. */
  readonly onAccountEvent?: ((event: AccountEvent) => void) | undefined
}

export interface BacktestResult {
  readonly specs: InstrumentSpecs
  readonly baseCurrency: Currency
  readonly initialEquity: number
  readonly equity: { readonly ts: Float64Array; readonly equity: Float64Array; readonly exposed: Uint8Array }
  /** Last price (ticks) of the first instrument at each equity sample: the buy-and-hold benchmark. */
  readonly benchmark: { readonly ts: Float64Array; readonly price: Float64Array }
  readonly fills: ReadonlyArray<Fill>
  readonly events: number
  readonly orders: number
  readonly rejections: number
  /** Rejected orders by reason code. */
  readonly rejectionReasons: Readonly<Record<string, number>>
  /** The first rejection's message for each reason code. */
  readonly rejectionSamples: Readonly<Record<string, string>>
}

const configError = (message: string) => new BacktestError({ reason: "Config", message })

/** Run a backtest to the end of its data. */
export const run = (config: BacktestConfig): Effect.Effect<BacktestResult, BacktestError> =>
  Effect.gen(function* () {
    const specs = yield* Effect.try({
      try: () => makeSpecs(config.instruments, config.currencies),
      catch: (e) => configError(e instanceof Error ? e.message : String(e))
    })
    const baseCurrency = specs.currencies.get(config.account.baseCurrency as CurrencyCode)
    if (baseCurrency === undefined) return yield* configError(`unknown base currency ${config.account.baseCurrency}`)
    const fx = new FxRates()
    for (const rate of config.fxRates ?? []) fx.set(rate.base, rate.quote, rate.rate)

    const startTs = firstTimestamp(config.data)
    const clock = new SimulatedClock(startTs)
    const scheduler = new ReplayScheduler()
    const tables = makeHandlerTables(specs.list.length)
    const accountId = config.account.id as AccountId

    // Venue commands queue up while handlers run and go out once they return: a strategy never sees its own
    // order filled in the middle of its handler.
    const replay = new Replay({
      data: config.data,
      specs,
      clock,
      scheduler,
      tables,
      accountId,
      equitySampleUs: config.equitySampleUs,
      onProgress: config.onProgress,
      arriving: config.arriving
    })
    const engine = yield* Effect.try({
      try: () =>
        new AccountsEngine({
          specs,
          fx,
          accounts: [{ id: accountId, name: accountId, kind: config.account.kind, baseCurrency: baseCurrency.code }],
          output: {
            event: (event) => {
              config.onAccountEvent?.(event)
              replay.onAccountEvent(event)
            },
            execution: (command) => replay.enqueue(command)
          },
          orderIdPrefix: "O-"
        }),
      catch: (e) => configError(e instanceof Error ? e.message : String(e))
    })
    const venue = config.venue(
      specs,
      (report) => engine.report(report),
      (order) => engine.funds(order.orderId)
    )
    replay.attach(engine, venue)

    engine.deposit({
      _tag: "Deposit",
      accountId,
      currency: baseCurrency.code,
      amount: config.account.deposit as never,
      reference: "initial deposit",
      ts: startTs as Timestamp
    })
    for (const { scope, limits } of config.riskLimits ?? []) {
      engine.setRiskLimits({ _tag: "SetRiskLimits", scope, limits, ts: startTs as Timestamp })
    }
    // The deposit's events go to no one: the strategy has not subscribed yet.
    replay.settle()
    const initialEquity = engine.portfolio(accountId).equity()

    const strategyScope = yield* Scope.make()
    const program = config.strategy.pipe(
      Scope.extend(strategyScope),
      Effect.provideService(MarketData, makeMarketData(specs, tables)),
      Effect.provideService(
        Accounts,
        makeAccounts({ engine, specs, accountId, strategyId: config.strategyId as StrategyId, clock, tables })
      ),
      Effect.withClock(clock)
    )
    // Forked under the replay scheduler, the strategy and every fiber it forks run only when the replay drains.
    const setup = yield* Effect.forkDaemon(program).pipe(Effect.withScheduler(scheduler))
    scheduler.drain()
    const setupExit = yield* Fiber.await(setup)
    if (Exit.isFailure(setupExit)) {
      return yield* new BacktestError({ reason: "Strategy", message: `strategy setup failed: ${setupExit.cause}` })
    }

    yield* Effect.try({
      try: () => replay.run(),
      catch: (e) =>
        new BacktestError({ reason: "Engine", message: e instanceof Error ? (e.stack ?? e.message) : String(e) })
    })

    const close = yield* Effect.forkDaemon(Scope.close(strategyScope, Exit.void)).pipe(Effect.withScheduler(scheduler))
    // What the strategy sent as it stopped (cancels in its finalizers) still reaches the venue.
    replay.settle()
    yield* Fiber.await(close)

    return { ...replay.result(), specs, baseCurrency, initialEquity }
  })

const firstTimestamp = (data: ReadonlyArray<Columns>): number => {
  let first = Number.POSITIVE_INFINITY
  for (const source of data) if (source.length > 0) first = Math.min(first, source.ts[0] ?? first)
  return Number.isFinite(first) ? first : 0
}
