/**
 * A deterministic, consistent stream of account events for tests and benchmarks: a deposit, then round trips of
 * 10 lots of AAPL.XNAS (bought at 15000 + i ticks, sold one tick higher), each order submitted, accepted and
 * filled, followed by its position and cash changes. Ticks are cents and lots shares, so tick-lots are cents.
 */
import type { AccountEvent } from "../../../core/domain/Events"
import type {
  AccountId,
  ClientOrderId,
  CurrencyCode,
  InstrumentId,
  OrderId,
  TradeId,
  VenueOrderId
} from "../../../core/domain/Ids"
import type { Lots, Minor, Sequence, Ticks, Timestamp } from "../../../core/domain/Units"

/** Cash deposited by the first event, in cents. */
export const DEPOSIT = 100_000_000
/** Fee of each fill, in cents. */
export const FEE = 100
const LOTS = 10
const START_TS = 1_700_000_000_000_000

/** Events per order: submitted, accepted, filled, position changed, cash changed. */
export const EVENTS_PER_ORDER = 5

/** The first event and `orders` orders of `accountId`: 1 + 5 × orders events with sequences 1, 2, ... */
export const accountEvents = (accountId: string, orders: number): Array<AccountEvent> => {
  const account = accountId as AccountId
  const usd = "USD" as CurrencyCode
  const instrumentId = "AAPL.XNAS" as InstrumentId
  const events: Array<AccountEvent> = []
  let sequence = 0
  let ts = START_TS
  const header = () => {
    sequence++
    ts += 1_000
    return { sequence: sequence as Sequence, ts: ts as Timestamp, accountId: account }
  }
  let cash = DEPOSIT
  events.push({
    _tag: "CashChanged",
    ...header(),
    currency: usd,
    amount: DEPOSIT as Minor,
    reason: "deposit",
    balance: {
      accountId: account,
      currency: usd,
      total: cash as Minor,
      reserved: 0 as Minor,
      updatedAt: ts as Timestamp
    }
  })
  let quantity = 0
  let openCost = 0
  let realized = 0
  let fees = 0
  for (let i = 0; i < orders; i++) {
    const side = i % 2 === 0 ? "buy" : "sell"
    const price = 15_000 + i
    const orderId = `${accountId}-o${i}` as OrderId
    const clientOrderId = `c${i}` as ClientOrderId
    const submitted = header()
    events.push({
      _tag: "OrderSubmitted",
      ...submitted,
      order: {
        clientOrderId,
        accountId: account,
        instrumentId,
        side,
        type: "limit",
        quantity: LOTS as Lots,
        limitPrice: price as Ticks,
        timeInForce: "GTC",
        reduceOnly: false,
        postOnly: false,
        orderId,
        status: "pending-new",
        filledQuantity: 0 as Lots,
        filledValue: 0 as Lots,
        createdAt: submitted.ts,
        updatedAt: submitted.ts
      }
    })
    events.push({ _tag: "OrderAccepted", ...header(), orderId, venueOrderId: `v${i}` as VenueOrderId })
    const filled = header()
    events.push({
      _tag: "OrderFilled",
      ...filled,
      fill: {
        tradeId: `t${i}` as TradeId,
        orderId,
        clientOrderId,
        accountId: account,
        instrumentId,
        side,
        quantity: LOTS as Lots,
        price: price as Ticks,
        fee: FEE as Minor,
        feeCurrency: usd,
        liquidity: "maker",
        ts: filled.ts
      },
      status: "filled",
      leavesQuantity: 0 as Lots
    })
    const notional = price * LOTS
    if (side === "buy") {
      quantity += LOTS
      openCost += notional
    } else {
      realized += notional - openCost
      quantity = 0
      openCost = 0
    }
    fees += FEE
    const moved = header()
    events.push({
      _tag: "PositionChanged",
      ...moved,
      position: {
        accountId: account,
        instrumentId,
        quantity: quantity as Lots,
        openCost: openCost as Lots,
        realizedPnl: realized as Minor,
        fees: fees as Minor,
        currency: usd,
        updatedAt: moved.ts
      }
    })
    const amount = (side === "buy" ? -notional : notional) - FEE
    cash += amount
    const paid = header()
    events.push({
      _tag: "CashChanged",
      ...paid,
      currency: usd,
      amount: amount as Minor,
      reason: "trade",
      balance: { accountId: account, currency: usd, total: cash as Minor, reserved: 0 as Minor, updatedAt: paid.ts }
    })
  }
  return events
}
