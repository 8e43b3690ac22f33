/**
 * What `meridian parity` runs: recover a session's account events offline from a copy of its Accounts journal,
 * backtest each strategy instance of the session with what the session ran (strategy, parameters, instruments, the
 * recorded market data, static data, deposit, account kind, simulated venue), and compare their orders and fills
 * (`core/live/session/Parity.ts`). A difference prints the first one and sets exit code 1.
 *
 * @since 0.1.0
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { FileSystem, Path } from "@effect/platform"
import { Console, Effect, Either, Option, Schema } from "effect"
import type { MakeSimulatedVenue } from "../../core/backtest/SimulatedVenue"
import * as Decimal from "../../core/domain/Decimal"
import type { AccountEvent } from "../../core/domain/Events"
import { makeSpecs } from "../../core/domain/InstrumentSpec"
import { loadCatalogData } from "../../core/history/History"
import { latestInstruments, loadConfig as loadAccountsConfig } from "../../core/live/accounts/AccountsProgram"
import { AccountsShard } from "../../core/live/accounts/AccountsShard"
import type { SimConnectorOptions } from "../../core/live/execution/ExecutionConfig"
import { loadConfig as loadExecutionConfig } from "../../core/live/execution/ExecutionProgram"
import { loadConfig as loadMarketDataConfig } from "../../core/live/market-data/MarketDataProgram"
import * as Parity from "../../core/live/session/Parity"
import { SessionFile } from "../../core/live/session/SessionFile"
import { loadConfig as loadStrategiesConfig } from "../../core/live/strategies/StrategiesProgram"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import { fixedLatency, noFees, noSlippage, notionalFractionFee, SimVenue } from "../../plugins/connector-sim/src/index"
import { loadStrategy } from "../../registry/src/StrategyLoader"
import { nodeJournalFiles } from "../node/NodeJournalFiles"
import { open, SessionError, type SessionFolder } from "./SessionFolder"
import { builtIn } from "./SimBacktest"

export interface ParityOptions {
  readonly session: Option.Option<string>
}

const fail = (message: string) => new SessionError({ message })

/**
 * Every account event of the session's Accounts Service, shard by shard: each shard recovered from a copy of its
 * journal (recovery cuts a torn tail, and the session's journal is never written by anyone but its service).
 */
const sessionEvents = (
  dir: string,
  config: Effect.Effect.Success<ReturnType<typeof loadAccountsConfig>>,
  set: StaticDataSet.StaticDataSet
) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "meridian-parity-"))),
    (copy) => Effect.sync(() => rmSync(copy, { recursive: true, force: true }))
  ).pipe(
    Effect.flatMap((copy) =>
      Effect.forEach(config.shards, (shard, i) =>
        Effect.scoped(
          Effect.gen(function* () {
            const journal = join(resolve(dir, config.journalDir), `shard-${i}`)
            if (!existsSync(journal)) return [] as ReadonlyArray<AccountEvent>
            const to = join(copy, `shard-${i}`)
            cpSync(journal, to, { recursive: true })
            const recovered = yield* AccountsShard.open({
              journal: { files: nodeJournalFiles, dir: to },
              accounts: shard.accounts,
              instruments: latestInstruments(set),
              currencies: set.currencies,
              // Only recovered inputs are applied, each with the stamp it was journaled with.
              now: (input) => input.ts
            })
            return recovered.events.read(recovered.events.first, Number.MAX_SAFE_INTEGER) ?? []
          })
        )
      )
    ),
    Effect.map((shards) => shards.flat()),
    Effect.scoped
  )

/** The simulated venue the session's Execution Service ran (`SimConnector.ts`), seeing the account's funds as a backtest's does. */
const venueOf = (options: SimConnectorOptions): MakeSimulatedVenue => {
  const fees = options.commission === "0" ? noFees : notionalFractionFee(options.commission)
  return (specs, report, funds) =>
    new SimVenue({
      specs,
      barFill: options.barFill,
      fees,
      latency: fixedLatency(options.latencyUs),
      slippage: noSlippage,
      seed: options.seed,
      report,
      funds,
      ...(options.volumeLimit === undefined ? {} : { volumeLimit: options.volumeLimit })
    })
}

/** The market data the session published: its recording when there is one, else its replay source and range. */
const sessionData = (dir: string, config: Effect.Effect.Success<ReturnType<typeof loadMarketDataConfig>>) =>
  Effect.gen(function* () {
    const { replay } = config.source
    if (replay === undefined) return yield* fail("parity: the session's market data source is live, not a replay")
    const ids = replay.instruments
    if (config.record !== undefined && existsSync(resolve(dir, config.record))) {
      const recorded = yield* Effect.either(loadCatalogData(resolve(dir, config.record), ids))
      if (Either.isRight(recorded)) return { data: recorded.right, from: "the recorded market data", replayed: ids }
    }
    const data = yield* loadCatalogData(resolve(dir, replay.history), ids, replay.from, replay.to).pipe(
      Effect.mapError((e) => fail(`history ${replay.history}: ${e.message}`))
    )
    return { data, from: `the replayed history ${replay.history}`, replayed: ids }
  })

const check = (session: SessionFolder) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.readFileString(join(session.dir, "session.json")).pipe(
      Effect.flatMap((text) => Effect.try(() => JSON.parse(text) as unknown)),
      Effect.flatMap(Schema.decodeUnknown(SessionFile)),
      Effect.mapError((e) => fail(`${session.dir}/session.json: ${e.message}`))
    )
    const accounts = yield* loadAccountsConfig(session.configs.accounts)
    const marketData = yield* loadMarketDataConfig(session.configs["market-data"])
    const execution = yield* loadExecutionConfig(session.configs.execution)
    const simVenue = execution.connector.sim
    if (simVenue === undefined) return yield* fail("connector: parity backtests a session on the simulated venue (sim)")
    const strategies = yield* loadStrategiesConfig(session.configs.strategies)
    const set = yield* accounts.staticData === undefined
      ? StaticDataSet.loadShipped
      : StaticDataSet.load(resolve(session.dir, accounts.staticData))
    const instruments = latestInstruments(set)
    const specs = makeSpecs(instruments, set.currencies)
    const currency = specs.currencies.get(file.account.baseCurrency)
    if (currency === undefined) return yield* fail(`account.baseCurrency: unknown ${file.account.baseCurrency}`)
    const deposit = yield* Either.mapLeft(
      Decimal.toUnits(file.account.deposit, Decimal.minorIncrement(currency.decimals)),
      (e) => fail(`account.deposit: ${e.message}`)
    )

    const events = yield* sessionEvents(session.dir, accounts, set)
    const { data, from, replayed } = yield* sessionData(session.dir, marketData)
    yield* Console.log(
      `Session ${session.id}: ${events.length} account events; backtesting ${from} (${data.reduce((n, c) => n + c.length, 0)} events)`
    )
    let identical = true
    for (const entry of strategies.strategies) {
      const loaded = yield* loadStrategy(
        // As the Strategies Service finds it: a path is relative to its configuration's folder.
        /[/\\]/.test(entry.strategy) ? path.resolve(session.dir, entry.strategy) : entry.strategy,
        builtIn
      )
      const seen =
        entry.instruments === undefined
          ? instruments
          : entry.instruments.flatMap((id) => instruments.filter((instrument) => instrument.id === id))
      const backtest = yield* Parity.backtestTrades({
        id: entry.id,
        strategy: loaded.strategy,
        params: entry.params,
        instruments: seen,
        currencies: set.currencies,
        data,
        replayed,
        account: { id: entry.account, kind: file.account.kind, baseCurrency: file.account.baseCurrency, deposit },
        venue: venueOf(simVenue)
      })
      const live = Parity.tradesOf(events, entry.id)
      const difference = Parity.compare(live, backtest)
      if (difference !== undefined) identical = false
      yield* Console.log(`${entry.id} (${entry.strategy}): ${Parity.describe(live, difference, specs)}`)
    }
    if (!identical) yield* Effect.sync(() => (process.exitCode = 1))
  })

export const parity = (options: ParityOptions) => Effect.flatMap(open(Option.getOrUndefined(options.session)), check)
