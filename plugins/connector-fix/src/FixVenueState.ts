/**
 * Reconciliation on start over standard FIX 4.4, asked of the venue on the order session:
 *
 * - open orders: OrderMassStatusRequest (AF, MassStatusReqType 7 = all orders), answered by one ExecutionReport
 *   (ExecType I) per order carrying our MassStatusReqID, TotNumReports and LastRptRequested=Y on the last. A venue
 *   with no orders answers one report with TotNumReports=0.
 * - fills since a point: TradeCaptureReportRequest (AD, TradeRequestType 0 = all trades, TransactTime lower bound in
 *   TrdCapDtGrp), acknowledged by TradeCaptureReportRequestAck (AQ, TotNumTradeReports) and answered by that many
 *   TradeCaptureReports (AE). This is the FIX 4.4 way to ask for past trades; a drop-copy session only pushes what
 *   happens while it is logged on and cannot be asked for history. FIX 4.4's AE has no LastLiquidityInd, so a fill
 *   learned this way is reported as `taker`.
 * - balances: FIX 4.4 has no standard message for an account's money (CollateralInquiry and PositionReport are
 *   about margin and positions, and brokers differ); the connector answers empty, as the `VenueState` contract says
 *   a venue that holds no money does.
 *
 * Orders and fills are named by the ledger of the store file: the ClOrdID the venue reports maps to the platform's
 * order and account. A working order whose ClOrdID this session never sent is reported without an `orderId`; a fill
 * of one is left out (there is no platform account to book it to) and logged.
 *
 * @since 0.1.0
 */
import * as Decimal from "@meridian/core/domain/Decimal"
import type { AccountId, OrderId, TradeId } from "@meridian/core/domain/Ids"
import { increments } from "@meridian/core/domain/Instrument"
import { lots, minor, type Timestamp, ticks, timestampFromDate } from "@meridian/core/domain/Units"
import {
  decodeVenueAnswer,
  VenueFill,
  VenueOpenOrder,
  type VenueState,
  VenueStateError
} from "@meridian/core/live/execution/VenueState"
import { Duration, Effect } from "effect"
import type { FixPeer, MsgView } from "./FixEngine"
import type { FixInstruments } from "./FixInstruments"
import { units } from "./internal/fixOrder"
import type { Journal } from "./internal/journal"

/** One order as an ExecutionReport (ExecType I) described it. */
interface StatusRow {
  readonly clOrdId: string | null
  readonly venueOrderId: string | null
  readonly symbol: string | null
  readonly exchange: string | null
  readonly side: string | null
  readonly leaves: string | null
  readonly cum: string | null
}

/** One trade as a TradeCaptureReport (AE) described it. */
interface TradeRow {
  readonly execId: string | null
  readonly clOrdId: string | null
  readonly symbol: string | null
  readonly exchange: string | null
  readonly lastQty: string | null
  readonly lastPx: string | null
  readonly transactTime: Date | null
  readonly commission: string | null
}

interface Pending<Row> {
  readonly rows: Array<Row>
  /** How many rows the venue said it will send; unknown until it says. */
  total: number | undefined
  readonly done: (result: ReadonlyArray<Row> | VenueStateError) => void
}

const date = (view: MsgView, tag: number): Date | null => {
  const value = view.getTyped(tag)
  return value instanceof Date ? value : null
}

/**
 * The requests in flight and the answers that complete them. The connector hands it the session's ExecutionReports
 * that carry a MassStatusReqID, and every AQ and AE.
 */
export class FixQueries {
  private readonly orders = new Map<string, Pending<StatusRow>>()
  private readonly trades = new Map<string, Pending<TradeRow>>()
  private next = 0

  constructor(
    private readonly peer: () => FixPeer | undefined,
    private readonly timeout: Duration.Duration
  ) {}

  /** An ExecutionReport with MassStatusReqID (584): one order of a mass status answer. */
  onOrderStatus(view: MsgView): void {
    const pending = this.orders.get(view.getString(584) ?? "")
    if (pending === undefined) return
    pending.total = Number(view.getString(911) ?? "0")
    if (pending.total > 0) {
      pending.rows.push({
        clOrdId: view.getString(11),
        venueOrderId: view.getString(37),
        symbol: view.getString(55),
        exchange: view.getString(207),
        side: view.getString(54),
        leaves: view.getString(151),
        cum: view.getString(14)
      })
    }
    if (pending.rows.length >= pending.total || view.getTyped(912) === true) pending.done(pending.rows)
  }

  /** TradeCaptureReportRequestAck (AQ): accepted with a count, or refused. */
  onTradeAck(view: MsgView): void {
    const pending = this.trades.get(view.getString(568) ?? "")
    if (pending === undefined) return
    const result = view.getString(749)
    if (result !== "0" || view.getString(750) === "2") {
      pending.done(
        new VenueStateError({
          reason: "Refused",
          message: `TradeCaptureReportRequest: TradeRequestResult ${result}: ${view.getString(58) ?? ""}`
        })
      )
      return
    }
    const total = view.getString(748)
    if (total !== null) pending.total = Number(total)
    if (pending.total !== undefined && pending.rows.length >= pending.total) pending.done(pending.rows)
  }

  /** TradeCaptureReport (AE) answering our request. */
  onTrade(view: MsgView): void {
    const pending = this.trades.get(view.getString(568) ?? "")
    if (pending === undefined) return
    pending.rows.push({
      execId: view.getString(17),
      clOrdId: view.getString(11),
      symbol: view.getString(55),
      exchange: view.getString(207),
      lastQty: view.getString(32),
      lastPx: view.getString(31),
      transactTime: date(view, 60),
      commission: view.getString(12)
    })
    const total = view.getString(748)
    if (total !== null) pending.total = Number(total)
    if (view.getTyped(912) === true || (pending.total !== undefined && pending.rows.length >= pending.total))
      pending.done(pending.rows)
  }

  private ask<Row>(
    what: string,
    book: Map<string, Pending<Row>>,
    msgType: string,
    body: (id: string) => Record<string, unknown>
  ): Effect.Effect<ReadonlyArray<Row>, VenueStateError> {
    return Effect.async<ReadonlyArray<Row>, VenueStateError>((resume) => {
      const id = `${what}-${Date.now()}-${++this.next}`
      const peer = this.peer()
      if (peer === undefined || !peer.sendApp(msgType, body(id))) {
        resume(Effect.fail(new VenueStateError({ reason: "Unavailable", message: `${what}: not logged on` })))
        return
      }
      book.set(id, {
        rows: [],
        total: undefined,
        done: (result) => {
          book.delete(id)
          resume(result instanceof VenueStateError ? Effect.fail(result) : Effect.succeed(result))
        }
      })
      return Effect.sync(() => book.delete(id))
    }).pipe(
      Effect.timeoutFail({
        duration: this.timeout,
        onTimeout: () =>
          new VenueStateError({
            reason: "Unavailable",
            message: `${what}: no complete answer within ${Duration.format(this.timeout)}`
          })
      })
    )
  }

  openOrders(): Effect.Effect<ReadonlyArray<StatusRow>, VenueStateError> {
    return this.ask("OrderMassStatusRequest", this.orders, "AF", (id) => ({
      MassStatusReqID: id,
      MassStatusReqType: 7
    }))
  }

  tradesSince(since: Date): Effect.Effect<ReadonlyArray<TradeRow>, VenueStateError> {
    return this.ask("TradeCaptureReportRequest", this.trades, "AD", (id) => ({
      TradeRequestID: id,
      TradeRequestType: 0,
      SubscriptionRequestType: "0",
      TrdCapDtGrp: { NoDates: [{ TransactTime: since }] }
    }))
  }
}

const badField = (what: string, field: string, value: string | null) =>
  new VenueStateError({ reason: "Decode", message: `${what}: ${field} ${JSON.stringify(value)}` })

export const make = (
  queries: FixQueries,
  journal: Journal,
  instruments: FixInstruments,
  log: (line: string) => void
): VenueState => {
  const ours = (clOrdId: string | null) => {
    const orderId = journal.clOrdIds.get(clOrdId ?? "")
    return orderId === undefined ? undefined : journal.orders.get(orderId)
  }
  return {
    openOrders: Effect.flatMap(queries.openOrders(), (rows) =>
      Effect.forEach(
        rows.filter((row) => row.leaves !== null && Number(row.leaves) > 0),
        (row) =>
          Effect.gen(function* () {
            const what = `OrderMassStatus ${row.venueOrderId}`
            const spec = instruments.bySymbol(row.symbol, row.exchange)
            if (spec === undefined) return yield* badField(what, "Symbol", row.symbol)
            const lot = increments(spec.instrument).lot
            const leaves = units(row.leaves, lot)
            const cum = units(row.cum, lot)
            if (leaves === undefined) return yield* badField(what, "LeavesQty", row.leaves)
            if (cum === undefined) return yield* badField(what, "CumQty", row.cum)
            const entry = ours(row.clOrdId)
            return yield* decodeVenueAnswer(
              VenueOpenOrder,
              what
            )({
              ...(entry === undefined ? {} : { orderId: entry.order.orderId, accountId: entry.order.accountId }),
              instrumentId: spec.instrument.id,
              venueOrderId: row.venueOrderId,
              side: row.side === "1" ? "buy" : row.side === "2" ? "sell" : row.side,
              leavesQuantity: leaves,
              filledQuantity: cum
            })
          })
      )
    ),
    fillsSince: (since: Timestamp) =>
      Effect.flatMap(queries.tradesSince(new Date(Math.floor(since / 1000))), (rows) =>
        Effect.gen(function* () {
          const fills: Array<VenueFill> = []
          for (const row of rows) {
            const what = `TradeCaptureReport ${row.execId}`
            const entry = ours(row.clOrdId)
            if (entry === undefined) {
              log(`fix: ${what} names ClOrdID ${row.clOrdId} that this session never sent; left out`)
              continue
            }
            if (row.transactTime === null) return yield* badField(what, "TransactTime", null)
            const ts = timestampFromDate(row.transactTime)
            if (ts < since) continue
            const spec = instruments.byId(entry.order.instrumentId)!
            const inc = increments(spec.instrument)
            const qty = units(row.lastQty, inc.lot)
            const px = units(row.lastPx, inc.tick)
            const fee =
              row.commission === null ? 0 : units(row.commission, Decimal.minorIncrement(spec.currency.decimals))
            if (qty === undefined) return yield* badField(what, "LastQty", row.lastQty)
            if (px === undefined) return yield* badField(what, "LastPx", row.lastPx)
            if (fee === undefined) return yield* badField(what, "Commission", row.commission)
            fills.push(
              yield* decodeVenueAnswer(
                VenueFill,
                what
              )({
                _tag: "VenueFilled",
                accountId: entry.order.accountId as AccountId,
                orderId: entry.order.orderId as OrderId,
                ts,
                tradeId: (row.execId ?? "") as TradeId,
                quantity: lots(qty),
                price: ticks(px),
                fee: minor(fee),
                feeCurrency: spec.currency.code,
                liquidity: "taker"
              })
            )
          }
          return fills.sort((a, b) => a.ts - b.ts)
        })
      ),
    balances: Effect.succeed([])
  }
}
