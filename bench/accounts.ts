/**
 * Accounts engine throughput: submit → venue accept → fill cycles per second with every risk check on (limits set
 * at the firm, account, instrument and strategy scopes). Orders alternate buy and sell so the position stays
 * inside its limit. The clock runs over the engine calls only: each batch's commands and ids are built before it
 * (fresh objects and strings, as a decoder would hand them over), the two venue reports inside it, since they
 * carry the order id the engine gave. Prints one JSON line.
 */
import type { ExecutionCommand, SubmitOrder } from "../core/domain/Commands"
import type { AccountId, ClientOrderId, CurrencyCode, StrategyId, TradeId, VenueOrderId } from "../core/domain/Ids"
import { makeSpecs } from "../core/domain/InstrumentSpec"
import type { RiskLimits } from "../core/domain/Risk"
import type { Lots, Minor, Ticks, Timestamp } from "../core/domain/Units"
import { AccountsEngine } from "../core/engine/accounts/AccountsEngine"
import { FxRates } from "../core/engine/portfolio/FxRates"
import { AAPL, currencies } from "../test/fixtures/instruments"

const CYCLES = 1_000_000
const specs = makeSpecs([AAPL], currencies)
const accountId = "bench" as AccountId
const strategyId = "bench-strategy" as StrategyId
const usd = "USD" as CurrencyCode
let submitted: ExecutionCommand | undefined
let events = 0

const engine = new AccountsEngine({
  specs,
  fx: new FxRates(),
  accounts: [{ id: accountId, name: "bench", kind: "margin", baseCurrency: usd }],
  output: {
    event: () => {
      events++
    },
    execution: (command) => {
      submitted = command
    }
  }
})

let ts = 1_700_000_000_000_000
engine.deposit({
  _tag: "Deposit",
  accountId,
  currency: usd,
  amount: 1e12 as Minor,
  reference: "bench",
  ts: ts as Timestamp
})
const limits: RiskLimits = {
  maxOrderQuantity: 1_000 as Lots,
  maxOrderNotional: 1e10 as Minor,
  maxPosition: 10_000 as Lots,
  maxOpenOrders: 100,
  priceBand: 500 as never,
  maxOrdersPerWindow: 1_000_000_000,
  orderRateWindow: 1_000_000,
  dailyLossLimit: 1e11 as Minor,
  maxGrossExposure: 1e12 as Minor,
  maxNetExposure: 1e12 as Minor
}
for (const scope of [
  { _tag: "Firm" } as const,
  { _tag: "Account", accountId } as const,
  { _tag: "AccountInstrument", accountId, instrumentId: AAPL.id } as const,
  { _tag: "Strategy", strategyId } as const
]) {
  engine.setRiskLimits({ _tag: "SetRiskLimits", scope, limits, ts: ts as Timestamp })
}
engine.mark(0, 15_000, ts)

/** One batch's inputs, built outside the clock. */
const BATCH = 1_024
const submits: Array<SubmitOrder> = []
const venueIds: Array<VenueOrderId> = []
const tradeIds: Array<TradeId> = []
const prepare = (first: number) => {
  submits.length = venueIds.length = tradeIds.length = 0
  for (let i = first; i < first + BATCH; i++) {
    ts += 10
    submits.push({
      _tag: "SubmitOrder",
      ts: ts as Timestamp,
      request: {
        clientOrderId: `c${i}` as ClientOrderId,
        accountId,
        strategyId,
        instrumentId: AAPL.id,
        side: i % 2 === 0 ? "buy" : "sell",
        type: "limit",
        quantity: 10 as Lots,
        limitPrice: 15_000 as Ticks,
        timeInForce: "GTC",
        reduceOnly: false,
        postOnly: false
      }
    })
    venueIds.push(`v${i}` as VenueOrderId)
    tradeIds.push(`t${i}` as TradeId)
  }
}

const cycle = (k: number) => {
  const command = submits[k] as SubmitOrder
  engine.submit(command)
  if (submitted?._tag !== "VenueSubmit") throw new Error(`order ${command.request.clientOrderId} was not sent`)
  const orderId = submitted.order.orderId
  submitted = undefined
  engine.report({
    _tag: "VenueAccepted",
    accountId,
    orderId,
    ts: command.ts,
    venueOrderId: venueIds[k] as VenueOrderId
  })
  engine.report({
    _tag: "VenueFilled",
    accountId,
    orderId,
    ts: command.ts,
    tradeId: tradeIds[k] as TradeId,
    quantity: 10 as Lots,
    price: 15_000 as Ticks,
    fee: 1 as Minor,
    feeCurrency: usd,
    liquidity: "taker"
  })
}

/** One batch through the engine: its own function, called for every batch, so V8 optimizes it whole. */
const runBatch = () => {
  for (let k = 0; k < BATCH; k++) cycle(k)
}

/** Runs `batches` batches; returns the seconds spent in the engine. */
const run = (firstBatch: number, batches: number): number => {
  let elapsed = 0
  for (let b = firstBatch; b < firstBatch + batches; b++) {
    prepare(b * BATCH)
    const start = performance.now()
    runBatch()
    elapsed += performance.now() - start
  }
  return elapsed / 1000
}

const WARMUP = 100
const BATCHES = Math.ceil(CYCLES / BATCH)
run(0, WARMUP)
const seconds = run(WARMUP, BATCHES)
const cycles = BATCHES * BATCH
console.log(
  JSON.stringify({
    bench: "accounts",
    cycles_per_s: Math.round(cycles / seconds),
    events_per_cycle: Math.round((events / ((WARMUP + BATCHES) * BATCH)) * 10) / 10,
    open_orders_after: engine.openOrders(accountId).length
  })
)
