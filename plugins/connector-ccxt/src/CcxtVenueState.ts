/**
 * Reconciliation on start: the venue's open orders, fills and balances as the Execution Service's `VenueState`,
 * asked of the venue (`openOrders`, `myTrades` / `userTrades`, `account`) and decoded at this edge. A fill names our
 * order by the client order id the venue keeps for it (one order query per venue order the connector does not
 * know), and our account by the configuration's `account`.
 *
 * @since 0.1.0
 */
import {
  decodeVenueAnswer,
  VenueBalance,
  VenueFill,
  VenueOpenOrder,
  type VenueState,
  VenueStateError
} from "@meridian/core/live/execution/VenueState"
import { Effect } from "effect"
import type { CcxtClient } from "./CcxtClient"
import type { CcxtConfig } from "./CcxtConfig"
import type { CcxtError } from "./CcxtError"
import type { CcxtExecution } from "./CcxtExecution"
import type { VenueInstruments } from "./CcxtInstruments"

const stateError = (what: string) => (error: CcxtError) =>
  new VenueStateError({
    reason:
      error.reason === "Network" || error.reason === "RateLimited"
        ? "Unavailable"
        : error.reason === "BadPayload"
          ? "Decode"
          : "Refused",
    message: `${what}: ${error.message}`
  })

export const make = (
  client: CcxtClient,
  instruments: VenueInstruments,
  execution: CcxtExecution,
  config: CcxtConfig
): VenueState => ({
  openOrders: execution.requestOpenOrders.pipe(
    Effect.mapError(stateError("openOrders")),
    Effect.flatMap((orders) =>
      Effect.forEach(
        orders.filter((o) => o.leavesQuantity > 0),
        (o) =>
          decodeVenueAnswer(
            VenueOpenOrder,
            `openOrders ${o.venueOrderId}`
          )({
            ...(o.orderId === undefined ? {} : { orderId: o.orderId }),
            ...(config.account === undefined ? {} : { accountId: config.account }),
            instrumentId: o.instrumentId,
            venueOrderId: o.venueOrderId,
            side: o.side,
            leavesQuantity: o.leavesQuantity,
            filledQuantity: o.filledQuantity
          })
      )
    )
  ),
  fillsSince: (since) =>
    Effect.gen(function* () {
      const account = config.account
      if (account === undefined) {
        return yield* new VenueStateError({
          reason: "Refused",
          message: "fills: the connector's configuration names no account (account) to book the venue's fills to"
        })
      }
      const trades = yield* execution.requestFills(Math.floor(since / 1000)).pipe(Effect.mapError(stateError("fills")))
      /** Client order ids of venue orders the connector does not know, asked once each. */
      const asked = new Map<string, string>()
      const fills: Array<VenueFill> = []
      for (const trade of trades.filter((t) => t.ts >= since).sort((a, b) => a.ts - b.ts)) {
        let orderId: string | undefined = trade.orderId
        if (orderId === undefined) {
          orderId = asked.get(trade.venueOrderId)
          if (orderId === undefined) {
            const symbol = [...instruments.bySymbol.values()].find((v) => v.id === trade.instrumentId)?.symbol ?? ""
            const order = yield* client
              .orderById(symbol, trade.venueOrderId)
              .pipe(Effect.mapError(stateError(`order ${trade.venueOrderId}`)))
            orderId = order.clientOrderId ?? trade.venueOrderId
            asked.set(trade.venueOrderId, orderId)
          }
        }
        const report = {
          _tag: "VenueFilled",
          accountId: account,
          orderId,
          ts: trade.ts,
          tradeId: trade.tradeId,
          quantity: trade.quantity,
          price: trade.price,
          fee: trade.fee,
          feeCurrency: trade.feeCurrency,
          liquidity: trade.liquidity
        }
        fills.push(yield* decodeVenueAnswer(VenueFill, `fills ${trade.tradeId}`)(report))
      }
      return fills
    }),
  balances: execution.requestBalances.pipe(
    Effect.mapError(stateError("balances")),
    Effect.flatMap((balances) =>
      Effect.forEach(balances, (b) =>
        decodeVenueAnswer(
          VenueBalance,
          `balances ${b.currency}`
        )({
          ...(config.account === undefined ? {} : { accountId: config.account }),
          currency: b.currency,
          total: b.total
        })
      )
    )
  )
})
