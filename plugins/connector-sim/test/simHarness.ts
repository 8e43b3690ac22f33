/** A simulated venue wired for tests: AAPL (index 0), ES (1), BTC-USDT (2); zero latency, no fees, no slippage. */

import type { ExecutionReport } from "@meridian/core/domain/Commands"
import { makeSpecs } from "@meridian/core/domain/InstrumentSpec"
import { Order } from "@meridian/core/domain/Order"
import { timestamp } from "@meridian/core/domain/Units"
import { Schema } from "effect"
import { AAPL, BTCUSDT, currencies, ES } from "../../../test/fixtures/instruments"
import { noFees } from "../src/models/Fees"
import { fixedLatency } from "../src/models/Latency"
import { noSlippage } from "../src/models/Slippage"
import { SimVenue, type SimVenueOptions } from "../src/SimVenue"

export const specs = makeSpecs([AAPL, ES, BTCUSDT], currencies)
export const AAPL_INDEX = 0
export const BTC_INDEX = 2

/** Tue 2024-01-09 15:00:00Z, inside the New York session. */
export const T0 = Date.parse("2024-01-09T15:00:00Z") * 1000
export const MINUTE = 60_000_000

const decodeOrder = Schema.decodeUnknownSync(Order)

/** An accepted order with the given fields over a GTC AAPL buy of 100. */
export const order = (fields: Record<string, unknown>): Order =>
  decodeOrder({
    orderId: "o-1",
    clientOrderId: `c-${String(fields.orderId ?? "o-1")}`,
    accountId: "acc-1",
    instrumentId: "AAPL.XNAS",
    side: "buy",
    type: "market",
    quantity: 100,
    timeInForce: "GTC",
    reduceOnly: false,
    postOnly: false,
    status: "accepted",
    filledQuantity: 0,
    filledValue: 0,
    createdAt: 0,
    updatedAt: 0,
    ...fields
  })

/** One line per report: `Filled o-1 100@15001 taker fee=0 t=…` and so on. */
export const describeReport = (r: ExecutionReport): string => {
  const head = `${r._tag.replace("Venue", "")} ${r.orderId}`
  switch (r._tag) {
    case "VenueFilled":
      return `${head} ${r.quantity}@${r.price} ${r.liquidity}`
    case "VenueRejected":
      return `${head} ${r.message}`
    case "VenueReplaced":
      return `${head} q=${r.quantity} limit=${r.limitPrice ?? "-"} stop=${r.stopPrice ?? "-"}`
    default:
      return head
  }
}

export const harness = (overrides: Partial<SimVenueOptions> = {}) => {
  const reports: Array<ExecutionReport> = []
  const venue = new SimVenue({
    specs,
    barFill: "close",
    latency: fixedLatency(0),
    fees: noFees,
    slippage: noSlippage,
    seed: 1,
    report: (r) => reports.push(r),
    ...overrides
  })
  const submit = (o: Order, ts: number, ocoGroup?: string) =>
    venue.execute({
      _tag: "VenueSubmit",
      order: o,
      ...(ocoGroup === undefined ? {} : { ocoGroup }),
      ts: timestamp(ts)
    })
  const cancel = (o: Order, ts: number) =>
    venue.execute({
      _tag: "VenueCancel",
      accountId: o.accountId,
      orderId: o.orderId,
      instrumentId: o.instrumentId,
      ts: timestamp(ts)
    })
  /** Reports so far as lines, then forgets them. */
  const take = (): Array<string> => reports.splice(0).map(describeReport)
  return { venue, reports, submit, cancel, take }
}
