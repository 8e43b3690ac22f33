/**
 * FIX 4.4 ExecutionReport (8) as the domain's `ExecutionReport`: every ExecType, with prices and quantities back on
 * the instrument's grid. ExecTypes that change nothing the Accounts Service keeps (pending new/cancel/replace, order
 * status, restated, done-for-day without an expiry) map to `undefined`.
 */
import type { ExecutionReport } from "@meridian/core/domain/Commands"
import * as Decimal from "@meridian/core/domain/Decimal"
import type { AccountId, OrderId, TradeId, VenueOrderId } from "@meridian/core/domain/Ids"
import { increments } from "@meridian/core/domain/Instrument"
import type { InstrumentSpec } from "@meridian/core/domain/InstrumentSpec"
import { lots, minor, ticks, timestampFromDate } from "@meridian/core/domain/Units"
import type { MsgView } from "jspurefix"
import { units } from "./fixOrder"

export type Mapped =
  | { readonly _tag: "Report"; readonly report: ExecutionReport }
  | { readonly _tag: "Silent"; readonly execType: string }
  | { readonly _tag: "Invalid"; readonly reason: string }

const invalid = (reason: string): Mapped => ({ _tag: "Invalid", reason })

export const mapExecutionReport = (
  view: MsgView,
  spec: InstrumentSpec,
  header: { readonly accountId: string; readonly orderId: string }
): Mapped => {
  const execType = view.getString(150) ?? ""
  const sent = view.getTyped(60) ?? view.getTyped(52)
  if (!(sent instanceof Date)) return invalid("no TransactTime or SendingTime")
  const base = {
    accountId: header.accountId as AccountId,
    orderId: header.orderId as OrderId,
    ts: timestampFromDate(sent)
  }
  const inc = increments(spec.instrument)
  const report = (r: ExecutionReport): Mapped => ({ _tag: "Report", report: r })
  switch (execType) {
    case "0":
      return report({ _tag: "VenueAccepted", ...base, venueOrderId: (view.getString(37) ?? "") as VenueOrderId })
    case "1": // FIX 4.2's partial fill and fill, still sent by some 4.4 venues
    case "2":
    case "F": {
      const qty = units(view.getString(32), inc.lot)
      const px = units(view.getString(31), inc.tick)
      if (qty === undefined || qty <= 0)
        return invalid(`LastQty ${view.getString(32)} is not a positive quantity on the lot grid`)
      if (px === undefined) return invalid(`LastPx ${view.getString(31)} is not on the tick grid`)
      const commission = view.getString(12)
      const fee = commission === null ? 0 : units(commission, Decimal.minorIncrement(spec.currency.decimals))
      if (fee === undefined) return invalid(`Commission ${commission} is not in minor units of ${spec.currency.code}`)
      return report({
        _tag: "VenueFilled",
        ...base,
        tradeId: (view.getString(17) ?? "") as TradeId,
        quantity: lots(qty),
        price: ticks(px),
        fee: minor(fee),
        feeCurrency: spec.currency.code,
        // LastLiquidityInd(851): 1 added liquidity, 2 removed it.
        liquidity: view.getString(851) === "1" ? "maker" : "taker"
      })
    }
    case "4":
      return report({ _tag: "VenueCanceled", ...base })
    case "C":
      return report({ _tag: "VenueExpired", ...base })
    case "3":
      // Done for day: what was left is no longer working.
      return view.getString(39) === "2" ? { _tag: "Silent", execType } : report({ _tag: "VenueExpired", ...base })
    case "8":
      return report({
        _tag: "VenueRejected",
        ...base,
        message: view.getString(58) ?? `OrdRejReason ${view.getString(103)}`
      })
    case "5": {
      const qty = units(view.getString(38), inc.lot)
      if (qty === undefined || qty <= 0)
        return invalid(`OrderQty ${view.getString(38)} is not a positive quantity on the lot grid`)
      const limit = view.getString(44)
      const stop = view.getString(99)
      const limitPrice = units(limit, inc.tick)
      const stopPrice = units(stop, inc.tick)
      if (limit !== null && limitPrice === undefined) return invalid(`Price ${limit} is not on the tick grid`)
      if (stop !== null && stopPrice === undefined) return invalid(`StopPx ${stop} is not on the tick grid`)
      return report({
        _tag: "VenueReplaced",
        ...base,
        quantity: lots(qty),
        ...(limitPrice === undefined ? {} : { limitPrice: ticks(limitPrice) }),
        ...(stopPrice === undefined ? {} : { stopPrice: ticks(stopPrice) })
      })
    }
    case "6": // pending cancel
    case "A": // pending new
    case "E": // pending replace
    case "I": // order status
    case "D": // restated
    case "7": // stopped
    case "B": // calculated
      return { _tag: "Silent", execType }
    case "H": // trade cancel
    case "G": // trade correct
      return invalid(`ExecType ${execType} (trade bust or correction) has no domain report; needs an operator`)
    default:
      return invalid(`unknown ExecType ${JSON.stringify(execType)}`)
  }
}
