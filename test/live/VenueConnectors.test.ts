/**
 * The real venue connectors hosted by `meridian service execution`, each in its own process between a real Accounts
 * Service and a fake Market Data Service on loopback: `fix` against the FIX broker simulator (a process of its own,
 * quoted through its control channel), `ccxt` against the fake Binance (real HTTP and WebSocket servers in the
 * test's process, speaking the venue's recorded formats). A market order from the Accounts Service reaches the
 * venue, the venue's fill comes back and is booked in the account; the service reports what reconciliation on
 * start found.
 */
import { Duration, Effect, type Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import type { AccountEvent } from "../../core/domain/Events"
import { type Client, connect } from "../../core/protocol/Protocol"
import { tcp } from "../../core/protocol/Transport"
import * as FakeBinance from "../../plugins/connector-ccxt/test/FakeBinance"
import { contractListing } from "../../plugins/connector-ccxt/test/harness"
import { brokerScoped, cents } from "../../plugins/connector-fix/test/brokerProcess"
import { nodeTransport } from "../../runtimes/node/NodeTransport"
import {
  cleanUpExecution,
  configureExecution,
  EXECUTION_KEYS,
  fakeMarketData,
  kill,
  quote,
  seededAccounts,
  startExecution,
  submitMarket
} from "./executionProcess"
import { cleanUp, follow } from "./serviceProcess"

afterAll(() => {
  cleanUpExecution()
  cleanUp()
})

const FIX_PASSWORD = "venue-connectors-secret"

/** Accounts (with cash) and the Execution Service hosting `connector`; returns the accounts client and a CLI one. */
const session = (
  connector: object,
  env: Record<string, string>
): Effect.Effect<
  { readonly accounts: Client; readonly cli: Client; readonly publish: (i: number) => void },
  unknown,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const marketData = yield* fakeMarketData
    const { port, accounts } = yield* seededAccounts
    const config = configureExecution(port, marketData.port, false, connector)
    const execution = yield* Effect.acquireRelease(
      Effect.promise(() => startExecution("node", config, env)),
      (e) => Effect.promise(() => kill(e.child))
    )
    const cli = yield* connect({
      transport: nodeTransport,
      address: tcp("127.0.0.1", execution.port),
      identity: { service: "cli", instance: "test" },
      key: EXECUTION_KEYS.MERIDIAN_TEST_KEY_CLI,
      connectTimeoutMs: 30_000
    })
    return { accounts, cli, publish: (i: number) => void marketData.publish(quote(i)) }
  })

/** The ccxt connector on the fake Binance's `AAPL` (listed in cents and whole shares, as AAPL.XNAS), booking to ACC-1. */
const ccxtConnector = (fake: FakeBinance.FakeBinance) => ({
  ccxt: {
    exchange: "binance",
    venue: "XNAS",
    account: "ACC-1",
    symbols: ["AAPL"],
    apiKey: { env: "MERIDIAN_TEST_BINANCE_KEY" },
    secret: { env: "MERIDIAN_TEST_BINANCE_SECRET" },
    urls: { rest: fake.restUrl, ws: fake.wsUrl },
    reconnect: { initialMs: 50, maxMs: 400 }
  }
})
const CCXT_ENV = { MERIDIAN_TEST_BINANCE_KEY: FakeBinance.API_KEY, MERIDIAN_TEST_BINANCE_SECRET: FakeBinance.SECRET }

/** The account's fills once its position changed (bounded). */
const bookedFills = (accounts: Client) =>
  follow<AccountEvent>(accounts, "events/0", 0, (e) => e.some((event) => event._tag === "PositionChanged")).pipe(
    Effect.timeoutFail({ duration: Duration.seconds(60), onTimeout: () => new Error("no fill booked in 60 s") }),
    Effect.map((events) =>
      events.flatMap((e) => (e._tag === "OrderFilled" ? [{ quantity: e.fill.quantity, price: e.fill.price }] : []))
    )
  )

interface Reconciliation {
  readonly reconciliation: {
    readonly outcome: string
    readonly message?: string
    readonly differences: ReadonlyArray<{ readonly kind: string }>
  }
}

const reconciliationOf = (cli: Client) =>
  Effect.map(cli.call({ _tag: "Status" }), (status) => (status as Reconciliation).reconciliation)

describe("meridian service execution on real venue connectors", () => {
  it("fix: an order reaches the broker simulator over FIX and its fill is booked", { timeout: 180_000 }, () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const broker = yield* brokerScoped(["--password-env", "FIX_SIM_PASSWORD"], { FIX_SIM_PASSWORD: FIX_PASSWORD })
          const q = quote(1)
          yield* Effect.promise(() => broker.quote("AAPL.XNAS", q.ts, cents(q.bidPrice), cents(q.askPrice)))
          const fix = {
            fix: {
              port: broker.fixPort,
              senderCompId: "MERIDIAN",
              targetCompId: "BROKER",
              password: { env: "MERIDIAN_TEST_FIX_PASSWORD" },
              heartbeatSeconds: 5,
              storeFile: "fix/main.jsonl"
            }
          }
          const { accounts, cli, publish } = yield* session(fix, { MERIDIAN_TEST_FIX_PASSWORD: FIX_PASSWORD })
          publish(1)
          expect(yield* submitMarket(accounts, "v", "buy", 10)).toMatchObject({ _tag: "Accepted" })
          expect(yield* bookedFills(accounts)).toEqual([{ quantity: 10, price: q.askPrice }])
          const record = yield* Effect.promise(() => broker.record())
          expect(record.orders).toMatchObject([{ session: "MERIDIAN" }])
          // Reconciliation on start asked the venue (OrderMassStatusRequest, TradeCaptureReportRequest): nothing was
          // working there yet, so nothing differed.
          expect(yield* reconciliationOf(cli)).toMatchObject({ outcome: "agreed" })
        })
      )
    )
  )

  it("ccxt: an order reaches the fake Binance over REST and its fill is booked", { timeout: 180_000 }, () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const fake = yield* FakeBinance.make("spot", { listings: [contractListing("spot")] })
          const q = quote(1)
          yield* fake.setMarket("AAPL", (q.bidPrice / 100).toFixed(2), (q.askPrice / 100).toFixed(2))
          const { accounts, cli, publish } = yield* session(ccxtConnector(fake), CCXT_ENV)
          publish(1)
          expect(yield* submitMarket(accounts, "v", "buy", 10)).toMatchObject({ _tag: "Accepted" })
          expect(yield* bookedFills(accounts)).toEqual([{ quantity: 10, price: q.askPrice }])
          expect([...fake.orders.values()]).toMatchObject([{ symbol: "AAPL", side: "BUY", origQty: "10" }])
          // Reconciliation on start asked the venue (openOrders, account): no order, and the venue account's
          // balances (the fixture's BTC and USDT) that the Accounts Service does not hold, reported.
          const reconciliation = yield* reconciliationOf(cli)
          expect(reconciliation.outcome).toBe("resolved")
          expect(new Set(reconciliation.differences.map((d) => d.kind))).toEqual(new Set(["balance"]))
        })
      )
    )
  )

  it(
    "ccxt: a venue refusing reconciliation fails it at once, in one line, and the service runs on",
    { timeout: 180_000 },
    () =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const fake = yield* FakeBinance.make("spot", { listings: [contractListing("spot")] })
            // The venue refuses the key for the open orders query: asking again cannot help.
            fake.failNext("GET", "/api/v3/openOrders", {
              status: 401,
              body: JSON.stringify(FakeBinance.fixture("errors/-1022.json"))
            })
            const { cli } = yield* session(ccxtConnector(fake), CCXT_ENV)
            const reconciliation = yield* reconciliationOf(cli)
            expect(reconciliation.outcome).toBe("failed")
            expect(reconciliation.message).toMatch(/^venue Refused: openOrders: .*-1022/)
            expect(reconciliation.message).not.toContain("\n")
            expect(fake.requests.filter((r) => r.path === "/api/v3/openOrders")).toHaveLength(1)
          })
        )
      )
  )
})
