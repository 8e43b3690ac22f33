import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import smaCross from "../../../plugins/strategy-sma-cross/src/index"
import type { AccountCommand } from "../../domain/Commands"
import type { AccountEvent } from "../../domain/Events"
import type { AccountId, CurrencyCode, InstrumentId } from "../../domain/Ids"
import type { Instrument } from "../../domain/Instrument"
import { makeSpecs } from "../../domain/InstrumentSpec"
import type { Order } from "../../domain/Order"
import { AccountsEngine } from "../../engine/accounts/AccountsEngine"
import { FxRates } from "../../engine/portfolio/FxRates"
import * as StaticDataSet from "../../staticdata/StaticDataSet"
import { SenderTails, senderTailOf } from "../accounts/SenderTails"
import { AccountMirror } from "./AccountMirror"
import { Deployer } from "./internal/deployer"
import { appendLostTail, TailingJournal } from "./internal/tailingJournal"
import { StrategiesHost } from "./StrategiesHost"
import { type SessionPeer, StrategiesSession } from "./StrategiesSession"

const ACCOUNT = "ACC-1" as AccountId
const AAPL = "AAPL.XNAS" as InstrumentId
const MINUTE = 60_000_000
const START = Date.UTC(2024, 0, 2, 15) * 1000

const instruments = Effect.map(StaticDataSet.loadShipped, (set) => ({
  instruments: set.instruments.filter((i) => i.id === AAPL).map(({ effectiveFrom: _, ...i }) => i as Instrument),
  currencies: set.currencies
})).pipe(Effect.provide(NodeContext.layer))

/**
 * The Accounts Service in memory: the real engine, a venue that fills every order at once at the last bar's close,
 * the events as the `events/0` topic, resent orders answered with their first outcome, as the shard does.
 */
const fakeAccounts = (specs: ReturnType<typeof makeSpecs>) => {
  const events: Array<AccountEvent> = []
  const listeners = new Set<(seq: number, value: unknown) => void>()
  const outcomes = new Map<string, unknown>()
  const received: Array<AccountCommand> = []
  let last = 0
  let ts = START
  let trade = 0
  const pending: Array<{ orderId: string; quantity: number }> = []
  const engine = new AccountsEngine({
    specs,
    fx: new FxRates(),
    accounts: [{ id: ACCOUNT, name: "test", kind: "margin", baseCurrency: "USD" as CurrencyCode }],
    output: {
      event: (event) => {
        events.push(event)
        for (const listener of listeners) listener(events.length, event)
      },
      execution: (command) => {
        if (command._tag === "VenueSubmit")
          pending.push({ orderId: command.order.orderId, quantity: command.order.quantity })
      }
    }
  })
  const fill = () => {
    for (const { orderId, quantity } of pending.splice(0)) {
      engine.handle({ _tag: "VenueAccepted", accountId: ACCOUNT, orderId, venueOrderId: `V-${orderId}`, ts } as never)
      engine.handle({
        _tag: "VenueFilled",
        accountId: ACCOUNT,
        orderId,
        ts,
        tradeId: `T-${++trade}`,
        quantity,
        price: last,
        fee: 0,
        feeCurrency: "USD",
        liquidity: "taker"
      } as never)
    }
  }
  const peer: SessionPeer = {
    request: (body, callback) => {
      const command = body as AccountCommand | { _tag: "Watermark" }
      if (command._tag === "Watermark") return callback(undefined, { events: [events.length], executions: [0] })
      received.push(command)
      const key = command._tag === "SubmitOrder" ? command.request.clientOrderId : undefined
      const known = key === undefined ? undefined : outcomes.get(key)
      if (known !== undefined) return callback(undefined, known)
      engine.handle(command)
      const outcome = { _tag: "Accepted", seq: received.length, orderIds: [] }
      if (key !== undefined) outcomes.set(key, outcome)
      callback(undefined, outcome)
    },
    send: () => true,
    subscribe: (topic, afterSeq, onEvent) => {
      expect(topic).toBe("events/0")
      for (let seq = afterSeq + 1; seq <= events.length; seq++) onEvent(seq, events[seq - 1])
      listeners.add(onEvent)
      return undefined
    },
    onConnect: () => undefined
  }
  return {
    peer,
    received,
    engine,
    /** The venue sees the bar: it fills what is working at its close and the account is marked. */
    bar: (close: number, at: number) => {
      last = close
      ts = at
      fill()
      engine.mark(0, close, at)
    },
    deposit: (amount: number) =>
      engine.handle({ _tag: "Deposit", accountId: ACCOUNT, currency: "USD", amount, reference: "seed", ts } as never)
  }
}

/** A market data peer publishing `closes` as one-minute bars, one per `next()`. */
const fakeMarketData = (closes: ReadonlyArray<number>) => {
  let onEvent: ((seq: number, value: unknown) => void) | undefined
  const done: Array<number> = []
  const bar = (i: number) => ({
    _tag: "Bar",
    instrumentId: AAPL,
    ts: START + i * MINUTE,
    period: "1m",
    open: closes[i]!,
    high: closes[i]!,
    low: closes[i]!,
    close: closes[i]!,
    volume: 100
  })
  const peer: SessionPeer = {
    request: () => undefined,
    send: (body) => {
      done.push((body as { seq: number }).seq)
      return true
    },
    subscribe: (_, afterSeq, listener) => {
      onEvent = listener
      return afterSeq
    },
    onConnect: () => undefined
  }
  return { peer, done, bar, publish: (i: number) => onEvent?.(i + 1, bar(i)) }
}

const CLOSES = [100, 101, 102, 103, 102, 100, 98, 97, 99, 102, 105, 107, 104, 100, 96, 95, 97, 101, 104, 106].map(
  (p) => p * 100
)

/** A host running the SMA crossover and its session over the fakes; the journal is the array `records`. */
const makeService = (
  setup: Effect.Effect.Success<typeof instruments>,
  accounts: SessionPeer,
  records: Array<Uint8Array>,
  tailing?: TailingJournal
) =>
  Effect.gen(function* () {
    const specs = makeSpecs(setup.instruments, setup.currencies)
    const runtime = yield* Effect.runtime<never>()
    const logs: Array<string> = []
    const host = new StrategiesHost({
      specs,
      fx: new FxRates(),
      accounts: new Map([[ACCOUNT, specs.currencies.get("USD" as CurrencyCode)!]]),
      strategies: [
        {
          id: "sma-1",
          accountId: ACCOUNT,
          specs,
          program: smaCross.program(Schema.decodeUnknownSync(smaCross.params)({ instrument: AAPL, fast: 2, slow: 4 }))
        }
      ],
      send: (strategyId, input) => session.send(strategyId, input),
      log: (message) => logs.push(message),
      runtime
    })
    const session: StrategiesSession = new StrategiesSession({
      host,
      journal: tailing ?? { append: (payload) => records.push(payload), durable: () => records.length },
      ...(tailing === undefined ? {} : { tail: tailing.tail }),
      accounts,
      shards: 1,
      lockstep: true,
      clock: "feed",
      now: () => 0,
      wakeAt: () => () => undefined,
      log: (message) => logs.push(message),
      requestPrefix: "test"
    })
    return { host, session, logs }
  })

const submits = (received: ReadonlyArray<AccountCommand>) =>
  received.flatMap((c) => (c._tag === "SubmitOrder" ? [c.request.clientOrderId] : []))

describe("StrategiesSession", () => {
  it.effect("runs the SMA crossover in lockstep; after a restart its replay resends nothing answered", () =>
    Effect.gen(function* () {
      const setup = yield* instruments
      const specs = makeSpecs(setup.instruments, setup.currencies)

      // One uninterrupted run.
      const whole = fakeAccounts(specs)
      whole.deposit(10_000_000)
      const wholeFeed = fakeMarketData(CLOSES)
      const first = yield* makeService(setup, whole.peer, [])
      first.session.followAccounts(() => first.session.followMarketData(wholeFeed.peer, "market-data/settled"))
      for (let i = 0; i < CLOSES.length; i++) {
        whole.bar(CLOSES[i]!, START + (i + 1) * MINUTE)
        wholeFeed.publish(i)
      }
      expect(wholeFeed.done).toEqual(CLOSES.map((_, i) => i + 1))
      const orders = submits(whole.received)
      expect(orders.length).toBeGreaterThan(2)
      expect(orders).toEqual(orders.map((_, i) => `sma-1-${i + 1}`))
      const position = whole.engine.portfolio(ACCOUNT).positionQuantity(0)
      expect(first.host.mirror(ACCOUNT)!.position(AAPL)).toBe(position)
      expect(first.logs).toContain("fill")

      // The same, stopped after event 12 and restarted from its journal.
      const split = fakeAccounts(specs)
      split.deposit(10_000_000)
      const records: Array<Uint8Array> = []
      const feed = fakeMarketData(CLOSES)
      const before = yield* makeService(setup, split.peer, records)
      before.session.followAccounts(() => before.session.followMarketData(feed.peer, "market-data/settled"))
      for (let i = 0; i < 12; i++) {
        split.bar(CLOSES[i]!, START + (i + 1) * MINUTE)
        feed.publish(i)
      }
      const sentBefore = split.received.length
      const after = yield* makeService(setup, split.peer, records.slice())
      after.session.replay(records.slice())
      // Every command was answered before the "crash": the replay sends none of them again.
      expect(split.received.length).toBe(sentBefore)
      expect(after.session.lastMarket).toBe(12)
      const resumed = fakeMarketData(CLOSES)
      after.session.followAccounts(() => after.session.followMarketData(resumed.peer, "market-data/settled"))
      for (let i = 12; i < CLOSES.length; i++) {
        split.bar(CLOSES[i]!, START + (i + 1) * MINUTE)
        resumed.publish(i)
      }
      expect(submits(split.received)).toEqual(orders)
      expect(split.engine.portfolio(ACCOUNT).positionQuantity(0)).toBe(position)
      // The strategies stop cleanly: their scopes close.
      yield* first.host.close
      yield* after.host.close
    })
  )

  it.effect(
    "sends a command before its input is durable, with the records not yet durable; a crash that loses them is mended from the Accounts Service's copy",
    () =>
      Effect.gen(function* () {
        const setup = yield* instruments
        const specs = makeSpecs(setup.instruments, setup.currencies)
        const run = (accounts: ReturnType<typeof fakeAccounts>, bars: number, journal: TailingJournal) =>
          Effect.gen(function* () {
            const service = yield* makeService(setup, accounts.peer, [], journal)
            const feed = fakeMarketData(CLOSES)
            service.session.followAccounts(() => service.session.followMarketData(feed.peer, "market-data/settled"))
            for (let i = 0; i < bars; i++) {
              accounts.bar(CLOSES[i]!, START + (i + 1) * MINUTE)
              feed.publish(i)
            }
            return service
          })
        // A journal whose fsync never completes (from `durable` on): every later record stays in the tail.
        const stalled = (durable = 0) => {
          const records: Array<Uint8Array> = []
          const journal = {
            append: (payload: Uint8Array) => records.push(payload),
            durable: () => durable,
            onDurable: () => {}
          }
          return { records, journal: new TailingJournal(journal) }
        }
        const whole = fakeAccounts(specs)
        whole.deposit(10_000_000)
        const first = yield* run(whole, CLOSES.length, stalled().journal)
        const orders = submits(whole.received)
        expect(orders.length).toBeGreaterThan(2)

        // The commands leave with the records, which the Accounts Service keeps (each sender's latest tail).
        const split = fakeAccounts(specs)
        split.deposit(10_000_000)
        const tails = new SenderTails()
        const request = split.peer.request
        const peer: SessionPeer = {
          ...split.peer,
          request: (body, callback) => {
            const { tail } = senderTailOf(body)
            if (tail !== undefined) tails.note(tail)
            request(body, callback)
          }
        }
        const crashed = stalled()
        const before = yield* run({ ...split, peer }, 12, crashed.journal)
        const sent = submits(split.received)
        expect(sent.length).toBeGreaterThan(0)
        expect(sent).toEqual(orders.slice(0, sent.length))

        // The crash takes every record (those still held too); the restart gets them back from the Accounts Service
        // and replays them.
        crashed.journal.flush()
        const durable: Array<Uint8Array> = []
        const mended = yield* appendLostTail(
          { append: (payload) => durable.push(payload), durable: () => durable.length, sync: Effect.void },
          "test",
          (body) => Effect.succeed(tails.after((body as { sender: string }).sender, (body as { after: number }).after))
        )
        // Through the input that made the last command: what follows it made nothing and comes again from the feed.
        expect(mended.length).toBeGreaterThan(1)
        expect(durable).toEqual(crashed.records.slice(0, mended.length))
        const after = yield* makeService(setup, peer, [], stalled(durable.length).journal)
        after.session.replay(mended)
        const resumeAt = after.session.lastMarket
        expect(resumeAt).toBeGreaterThan(0)
        expect(resumeAt).toBeLessThanOrEqual(12)
        const resumed = fakeMarketData(CLOSES)
        after.session.followAccounts(() => after.session.followMarketData(resumed.peer, "market-data/settled"))
        for (let i = resumeAt; i < CLOSES.length; i++) {
          if (i >= 12) split.bar(CLOSES[i]!, START + (i + 1) * MINUTE)
          resumed.publish(i)
        }
        // The same orders as the uninterrupted run, each taken once (a resend is answered with its first outcome).
        expect([...new Set(submits(split.received))]).toEqual(orders)
        expect(split.engine.portfolio(ACCOUNT).positionQuantity(0)).toBe(
          whole.engine.portfolio(ACCOUNT).positionQuantity(0)
        )
        yield* first.host.close
        yield* before.host.close
        yield* after.host.close
      })
  )

  it("mirrors positions, equity at the marks and open orders, pending ones included", () => {
    const specs = makeSpecs(
      [
        {
          id: AAPL,
          venue: "XNAS",
          symbol: "AAPL",
          assetClass: "equity",
          quoteCurrency: "USD",
          tickSize: "0.01",
          lotSize: "1",
          multiplier: "1"
        } as unknown as Instrument
      ],
      [{ code: "USD", decimals: 2 } as never]
    )
    const mirror = new AccountMirror(ACCOUNT, specs, specs.currencies.get("USD" as CurrencyCode)!, new FxRates())
    const header = { accountId: ACCOUNT, ts: 0, sequence: 1 }
    mirror.apply({
      ...header,
      _tag: "CashChanged",
      currency: "USD",
      amount: 1_000_000,
      reason: "deposit",
      balance: { accountId: ACCOUNT, currency: "USD", total: 1_000_000, reserved: 0, updatedAt: 0 }
    } as unknown as AccountEvent)
    const request = {
      accountId: ACCOUNT,
      strategyId: "s",
      clientOrderId: "s-1",
      instrumentId: AAPL,
      side: "buy",
      type: "market",
      quantity: 10,
      timeInForce: "GTC",
      reduceOnly: false,
      postOnly: false
    } as unknown as Order
    mirror.addPending(request, 0)
    expect(mirror.openOrders()).toMatchObject([{ clientOrderId: "s-1", status: "pending-new" }])
    mirror.apply({
      ...header,
      _tag: "OrderSubmitted",
      order: { ...request, orderId: "O-1", status: "pending-new", filledQuantity: 0, filledValue: 0 }
    } as unknown as AccountEvent)
    mirror.apply({
      ...header,
      _tag: "PositionChanged",
      position: {
        accountId: ACCOUNT,
        instrumentId: AAPL,
        quantity: 10,
        openCost: 100_000,
        realizedPnl: 0,
        fees: 0,
        currency: "USD",
        updatedAt: 0
      }
    } as unknown as AccountEvent)
    mirror.apply({
      ...header,
      _tag: "CashChanged",
      currency: "USD",
      amount: -100_000,
      reason: "trade",
      balance: { accountId: ACCOUNT, currency: "USD", total: 900_000, reserved: 0, updatedAt: 0 }
    } as unknown as AccountEvent)
    mirror.apply({
      ...header,
      _tag: "OrderFilled",
      fill: { orderId: "O-1", clientOrderId: "s-1", quantity: 10, price: 10_000 },
      status: "filled",
      leavesQuantity: 0
    } as unknown as AccountEvent)
    expect(mirror.position(AAPL)).toBe(10)
    expect(mirror.openOrders()).toEqual([])
    // Unmarked: at entry value; marked: at the mark.
    expect(mirror.equity()).toBe(1_000_000)
    mirror.mark(AAPL, 10_100)
    expect(mirror.equity()).toBe(1_001_000)
    expect(mirror.freeCash("USD" as CurrencyCode)).toBe(900_000)
  })
})

/** A service without configured strategies, taking deployments of the SMA crossover (version 0.1.0). */
const makeDeployService = (
  setup: Effect.Effect.Success<typeof instruments>,
  accounts: SessionPeer,
  records: Array<Uint8Array>,
  journal: ConstructorParameters<typeof StrategiesSession>[0]["journal"] = {
    append: (payload) => records.push(payload),
    durable: () => records.length
  }
) =>
  Effect.gen(function* () {
    const specs = makeSpecs(setup.instruments, setup.currencies)
    const usd = specs.currencies.get("USD" as CurrencyCode)!
    const runtime = yield* Effect.runtime<never>()
    const deployer = new Deployer({
      load: (name) =>
        name === "sma-cross"
          ? Effect.succeed({ strategy: smaCross, version: "0.1.0" })
          : Effect.fail({ message: `unknown strategy ${name}` }),
      instruments: setup.instruments,
      currencies: setup.currencies,
      defaultBase: usd
    })
    const host = new StrategiesHost({
      specs,
      fx: new FxRates(),
      accounts: new Map(),
      strategies: [],
      send: (strategyId, input) => session.send(strategyId, input),
      log: () => undefined,
      runtime,
      prepare: deployer.prepare,
      defaultBase: usd
    })
    const session: StrategiesSession = new StrategiesSession({
      host,
      journal,
      accounts,
      shards: 1,
      lockstep: true,
      clock: "feed",
      now: () => 0,
      wakeAt: () => () => undefined,
      log: () => undefined,
      requestPrefix: "test"
    })
    /** A request as the service answers it: the reply, or the refusal's message. */
    const ask = (body: unknown) =>
      Effect.async<unknown>((resume) => {
        Effect.runFork(
          deployer.handle(
            body,
            host,
            session,
            () => records.length,
            (value) => resume(Effect.succeed(value)),
            (error) => resume(Effect.succeed(error.message))
          )
        )
      })
    const view = (id: string) => host.deployments().find((d) => d.id === id)!
    return { host, session, deployer, ask, view }
  })

/** A price going up and down by 2 every bar, turning every 4 bars: the 2/4 crossover trades every few bars. */
const WAVE = Array.from({ length: 40 }, (_, i) => (100 + 2 * Math.abs((i % 8) - 4)) * 100)

describe("Strategies Service deployments", () => {
  it.effect("deploy, start, stop; a restart replays the deployment and sends no order twice", () =>
    Effect.gen(function* () {
      const setup = yield* instruments
      const specs = makeSpecs(setup.instruments, setup.currencies)
      const accounts = fakeAccounts(specs)
      accounts.deposit(10_000_000)
      const records: Array<Uint8Array> = []
      const feed = fakeMarketData(WAVE)
      const first = yield* makeDeployService(setup, accounts.peer, records)
      first.session.followAccounts(() => first.session.followMarketData(feed.peer, "market-data/settled"))
      const deploy = {
        _tag: "Deploy",
        id: "dep-1",
        strategy: "sma-cross",
        version: "0.1.0",
        params: { instrument: AAPL, fast: 2, slow: 4 },
        account: ACCOUNT
      }

      // A bad value is refused with one line naming the field, and nothing is journaled.
      const journaled = records.length
      expect(yield* first.ask({ ...deploy, params: { ...deploy.params, fast: "two" } })).toMatch(/^params\.fast: /)
      expect(yield* first.ask({ ...deploy, version: "9.9.9" })).toMatch(/^version: sma-cross is version 0\.1\.0/)
      expect(yield* first.ask({ ...deploy, account: "" })).toMatch(/^account: /)
      expect(yield* first.ask({ _tag: "Start", id: "nobody" })).toBe("id: no strategy instance nobody")
      expect(records.length).toBe(journaled)

      expect(yield* first.ask(deploy)).toMatchObject({
        _tag: "Deployed",
        deployment: { id: "dep-1", version: "0.1.0" }
      })
      expect(first.view("dep-1")).toMatchObject({ state: "stopped", ordersSent: 0, origin: "deployed" })
      expect(yield* first.ask({ _tag: "Start", id: "dep-1" })).toEqual({ _tag: "Started" })
      const bars = (from: number, to: number, on = feed) => {
        for (let i = from; i < to; i++) {
          accounts.bar(WAVE[i]!, START + (i + 1) * MINUTE)
          on.publish(i)
        }
      }
      bars(0, 12)
      // Stopped: no order while the market moves; started again, it goes on with new client order ids.
      expect(yield* first.ask({ _tag: "Stop", id: "dep-1" })).toEqual({ _tag: "Stopped" })
      const whileStopped = accounts.received.length
      bars(12, 16)
      expect(first.view("dep-1").state).toBe("stopped")
      expect(accounts.received.length).toBe(whileStopped)
      expect(yield* first.ask({ _tag: "Start", id: "dep-1" })).toEqual({ _tag: "Started" })
      bars(16, 26)
      const running = first.view("dep-1")
      expect(running.state).toBe("running")
      expect(running.logs.map((l) => l.line)).toEqual(expect.arrayContaining(["started", "stopped"]))
      expect(running.logs.some((l) => l.line.startsWith("fill buy"))).toBe(true)
      const sent = submits(accounts.received)
      expect(running.ordersSent).toBe(sent.length)
      expect(sent).toEqual(sent.map((_, i) => `dep-1-${i + 1}`))

      // Restarted from its journal: the deployment is back, running, and nothing answered goes out again.
      const sentBefore = accounts.received.length
      const after = yield* makeDeployService(setup, accounts.peer, records)
      yield* after.deployer.prepareJournal(records.slice())
      after.session.replay(records.slice())
      expect(accounts.received.length).toBe(sentBefore)
      expect(after.view("dep-1")).toMatchObject({ state: "running", ordersSent: running.ordersSent })
      const resumed = fakeMarketData(WAVE)
      after.session.followAccounts(() => after.session.followMarketData(resumed.peer, "market-data/settled"))
      bars(26, WAVE.length, resumed)
      const all = submits(accounts.received)
      expect(all).toEqual(all.map((_, i) => `dep-1-${i + 1}`))
      expect(all.length).toBeGreaterThan(sent.length)
      expect(resumed.done.at(-1)).toBe(WAVE.length)
      // A running instance keeps its program: a new version waits for a stop.
      expect(yield* after.ask(deploy)).toBe("id: dep-1 is running: stop it first")
      yield* first.host.close
      yield* after.host.close
    })
  )

  it.effect("an operator's input goes to the journal at once, not after the hold", () =>
    Effect.gen(function* () {
      const setup = yield* instruments
      const accounts = fakeAccounts(makeSpecs(setup.instruments, setup.currencies))
      const journaled: Array<Uint8Array> = []
      const tailing = new TailingJournal({
        append: (payload) => journaled.push(payload),
        durable: () => 0,
        onDurable: () => undefined
      })
      const service = yield* makeDeployService(setup, accounts.peer, [], tailing)
      // The operator is answered once the record is durable: held back, it would wait for the hold's timer.
      expect(service.session.control({ k: "h", id: "dep-1" })).toBe(1)
      expect(journaled.length).toBe(1)
      tailing.close()
    })
  )
})
