/**
 * The FIX broker: a FIX 4.4 acceptor whose orders trade on the simulated venue of `connector-sim`. Any client
 * comp id may log on (with the configured password); each is its own FIX session whose sequence numbers and sent
 * messages last as long as the process, so a client that reconnects gets its resends. Reports that come while a
 * client is away wait for its next logon. A drop-copy comp id receives a copy of every ExecutionReport of the client
 * it shadows, under the same ExecID.
 *
 * It keeps a record of what it received and sent, by session and ClOrdID, for tests and staging checks.
 *
 * @since 0.1.0
 */
import type { ExecutionCommand, ExecutionReport } from "@meridian/core/domain/Commands"
import * as Decimal from "@meridian/core/domain/Decimal"
import { increments } from "@meridian/core/domain/Instrument"
import type { InstrumentSpec, InstrumentSpecs } from "@meridian/core/domain/InstrumentSpec"
import { Order } from "@meridian/core/domain/Order"
import { Either, ParseResult, Schema } from "effect"
import {
  type EngineLog,
  type FixPeer,
  type MsgView,
  type PeerEvents,
  RetainedStore,
  type UnsentMessage
} from "../../connector-fix/src/FixEngine"
import * as FixInstruments from "../../connector-fix/src/FixInstruments"
import { type FeeModel, fixedLatency, noSlippage, SimVenue } from "../../connector-sim/src/index"

export interface BrokerOptions {
  readonly specs: InstrumentSpecs
  readonly seed: number
  readonly fees: FeeModel
  /** The password every client must log on with; none when undefined. */
  readonly password?: string
  /** Drop-copy comp id → the client comp id it shadows. */
  readonly dropCopies: ReadonlyMap<string, string>
  readonly log: EngineLog
}

/** What the broker saw of one order (by its first ClOrdID). */
export interface OrderRecord {
  readonly session: string
  readonly clOrdId: string
  /** NewOrderSingles with this ClOrdID that created an order: must be 1. */
  created: number
  /** NewOrderSingles with this ClOrdID answered as duplicates: PossResend or PossDupFlag. */
  recognizedResends: number
  /** NewOrderSingles with a known ClOrdID and neither flag: a client sent the same order twice. */
  duplicates: number
}

export interface BrokerRecord {
  readonly orders: ReadonlyArray<OrderRecord>
  readonly executions: ReadonlyArray<{
    readonly session: string
    readonly execId: string
    readonly clOrdId: string
    readonly execType: string
  }>
  /** Session-level Rejects (35=3) the broker received from clients, with their text. */
  readonly rejectsReceived: ReadonlyArray<string>
}

interface Working {
  readonly session: string
  readonly key: string
  readonly spec: InstrumentSpec
  readonly order: Order
  readonly firstClOrdId: string
  clOrdId: string
  /** A cancel or replace in flight: its ClOrdID. */
  pending?: { readonly clOrdId: string; readonly kind: "cancel" | "replace" } | undefined
  venueOrderId: string
  quantity: number
  limit: number | undefined
  stop: number | undefined
  cum: number
  /** Σ price × quantity of the fills, in ticks × lots. */
  cumValue: bigint
  status: string
}

const ORD_TYPE: Record<string, Order["type"]> = {
  "1": "market",
  "2": "limit",
  "3": "stop",
  "4": "stop-limit",
  J: "market-if-touched",
  K: "market-to-limit"
}
const TIF: Record<string, Order["timeInForce"]> = { "0": "DAY", "1": "GTC", "3": "IOC", "4": "FOK", "6": "GTD" }

const decodeOrder = Schema.decodeUnknownEither(Order)

export const make = (options: BrokerOptions) => {
  const instruments = FixInstruments.make(options.specs)
  const stores = new Map<string, RetainedStore>()
  const peers = new Map<string, FixPeer>()
  /** Messages for clients that are away, sent when they log on again. */
  const outbox = new Map<string, Array<UnsentMessage>>()
  const byKey = new Map<string, Working>()
  /** session → ClOrdID (any of an order's chain) → order. */
  const byClOrdId = new Map<string, Map<string, Working>>()
  const records = new Map<string, OrderRecord>()
  const executions: Array<BrokerRecord["executions"][number]> = []
  const rejectsReceived: Array<string> = []
  /** Every fill, as the TradeCaptureReports that answer a TradeCaptureReportRequest (AD) give it again. */
  const trades: Array<{
    readonly w: Working
    readonly execId: string
    readonly clOrdId: string
    readonly at: Date
    readonly fields: Record<string, unknown>
  }> = []
  let execSeq = 0
  let orderSeq = 0
  /** Venue time: the last market data's, µs. Commands arrive at it, as the Execution Service's paper venue has it. */
  let now = 0

  const venue = new SimVenue({
    specs: options.specs,
    barFill: "close",
    latency: fixedLatency(0),
    fees: options.fees,
    slippage: noSlippage,
    seed: options.seed,
    report: (report) => onVenueReport(report)
  })

  const chain = (session: string) => {
    let m = byClOrdId.get(session)
    if (m === undefined) {
      m = new Map()
      byClOrdId.set(session, m)
    }
    return m
  }

  const deliver = (session: string, msgType: string, body: Record<string, unknown>): void => {
    const peer = peers.get(session)
    if (peer === undefined || !peer.sendApp(msgType, body)) {
      const queued = outbox.get(session) ?? []
      queued.push({ msgType, body })
      outbox.set(session, queued)
    }
  }

  const price = (spec: InstrumentSpec, ticks: number) => Decimal.fromUnits(ticks, increments(spec.instrument).tick)
  const qty = (spec: InstrumentSpec, lots: number) => Decimal.fromUnits(lots, increments(spec.instrument).lot)

  const avgPx = (w: Working): string => {
    if (w.cum === 0) return "0"
    const tick = increments(w.spec.instrument).tick
    // Four more digits than the tick: an average need not be on the grid.
    const scaled = (w.cumValue * 10_000n + BigInt(w.cum) / 2n) / BigInt(w.cum)
    return Decimal.fromUnits(Number(scaled), { ...tick, scale: tick.scale + 4 })
  }

  const executionReport = (
    w: Working,
    execType: string,
    extra: Record<string, unknown> = {},
    clOrdId: string = w.clOrdId,
    origClOrdId?: string
  ) => {
    const execId = `E${++execSeq}`
    const body = {
      OrderID: w.venueOrderId,
      ClOrdID: clOrdId,
      ...(origClOrdId === undefined ? {} : { OrigClOrdID: origClOrdId }),
      ExecID: execId,
      ExecType: execType,
      OrdStatus: w.status,
      Instrument: { Symbol: w.spec.instrument.symbol, SecurityExchange: w.spec.instrument.venue },
      Side: w.order.side === "buy" ? "1" : "2",
      OrderQtyData: { OrderQty: qty(w.spec, w.quantity) },
      ...(w.limit === undefined ? {} : { Price: price(w.spec, w.limit) }),
      ...(w.stop === undefined ? {} : { StopPx: price(w.spec, w.stop) }),
      TransactTime: new Date(Math.floor(now / 1000)),
      LeavesQty: qty(w.spec, ["2", "4", "8", "C"].includes(w.status) ? 0 : w.quantity - w.cum),
      CumQty: qty(w.spec, w.cum),
      AvgPx: avgPx(w),
      ...extra
    }
    executions.push({ session: w.session, execId, clOrdId, execType })
    deliver(w.session, "8", body)
    for (const [dc, client] of options.dropCopies) if (client === w.session) deliver(dc, "8", body)
    return execId
  }

  const onVenueReport = (report: ExecutionReport) => {
    const w = byKey.get(report.orderId)
    if (w === undefined) return
    switch (report._tag) {
      case "VenueAccepted":
        w.venueOrderId = report.venueOrderId
        w.status = "0"
        return executionReport(w, "0")
      case "VenueRejected":
        w.status = "8"
        return executionReport(w, "8", { OrdRejReason: "99", Text: report.message })
      case "VenueFilled": {
        w.cum += report.quantity
        w.cumValue += BigInt(report.price) * BigInt(report.quantity)
        w.status = w.cum >= w.quantity ? "2" : "1"
        const decimals = options.specs.currencies.get(report.feeCurrency)?.decimals ?? 2
        const fill = {
          LastQty: qty(w.spec, report.quantity),
          LastPx: price(w.spec, report.price),
          ...(report.fee === 0
            ? {}
            : { Commission: Decimal.fromUnits(report.fee, Decimal.minorIncrement(decimals)), CommType: "3" })
        }
        const clOrdId = w.clOrdId
        const execId = executionReport(w, "F", {
          ...fill,
          LastLiquidityInd: report.liquidity === "maker" ? "1" : "2"
        })
        trades.push({ w, execId, clOrdId, at: new Date(Math.floor(now / 1000)), fields: fill })
        return
      }
      case "VenueCanceled": {
        w.status = "4"
        const pending = w.pending
        w.pending = undefined
        const orig = w.clOrdId
        if (pending !== undefined) w.clOrdId = pending.clOrdId
        return pending === undefined ? executionReport(w, "4") : executionReport(w, "4", {}, pending.clOrdId, orig)
      }
      case "VenueExpired":
        w.status = "C"
        return executionReport(w, "C")
      case "VenueReplaced": {
        w.quantity = report.quantity
        w.limit = report.limitPrice ?? w.limit
        w.stop = report.stopPrice ?? w.stop
        const pending = w.pending
        w.pending = undefined
        const orig = w.clOrdId
        if (pending !== undefined) w.clOrdId = pending.clOrdId
        w.status = w.cum > 0 ? "1" : "0"
        return executionReport(w, "5", {}, w.clOrdId, pending === undefined ? undefined : orig)
      }
    }
  }

  const arrive = (command: ExecutionCommand): void => {
    venue.execute(command)
    venue.advanceTo(now)
  }

  const reject = (
    session: string,
    view: MsgView,
    spec: InstrumentSpec | undefined,
    reason: string,
    code: string
  ): void => {
    execSeq++
    const execId = `E${execSeq}`
    const clOrdId = view.getString(11) ?? ""
    executions.push({ session, execId, clOrdId, execType: "8" })
    deliver(session, "8", {
      OrderID: "NONE",
      ClOrdID: clOrdId,
      ExecID: execId,
      ExecType: "8",
      OrdStatus: "8",
      OrdRejReason: code,
      Text: reason,
      Instrument: {
        Symbol: view.getString(55) ?? "?",
        ...(spec === undefined ? {} : { SecurityExchange: spec.instrument.venue })
      },
      Side: view.getString(54) ?? "1",
      LeavesQty: "0",
      CumQty: "0",
      AvgPx: "0",
      TransactTime: new Date(Math.floor(now / 1000))
    })
  }

  const units = (text: string | null, inc: Decimal.Increment): number | undefined => {
    if (text === null) return undefined
    const r = Decimal.toUnits(text, inc)
    return Either.isRight(r) ? r.right : Number.NaN
  }

  const newOrder = (session: string, view: MsgView) => {
    const clOrdId = view.getString(11) ?? ""
    const known = chain(session).get(clOrdId)
    const recordKey = `${session}\u0000${clOrdId}`
    if (known !== undefined) {
      const record = records.get(recordKey)!
      // PossResend (97) on a ClOrdID already working: the same order again, not a new one (FIX 4.4 vol. 2).
      if (view.getTyped(97) === true || view.getTyped(43) === true) {
        record.recognizedResends++
        return
      }
      record.duplicates++
      return reject(session, view, known.spec, `duplicate ClOrdID ${clOrdId}`, "6")
    }
    const spec = instruments.bySymbol(view.getString(55), view.getString(207))
    if (spec === undefined) return reject(session, view, undefined, `unknown symbol ${view.getString(55)}`, "1")
    const inc = increments(spec.instrument)
    const ordType = view.getString(40) ?? ""
    const tif = view.getString(59) ?? "0"
    const type =
      ordType === "1" && tif === "2"
        ? "market-on-open"
        : ordType === "1" && tif === "7"
          ? "market-on-close"
          : ORD_TYPE[ordType]
    if (type === undefined) return reject(session, view, spec, `OrdType ${ordType} is not supported`, "99")
    const limitPrice = units(view.getString(44), inc.tick)
    const stopPrice = units(view.getString(99), inc.tick)
    const quantity = units(view.getString(38), inc.lot)
    const display = units(view.getString(111), inc.lot)
    const expire = view.getTyped(126)
    const key = `o${++orderSeq}`
    const raw = {
      orderId: key,
      clientOrderId: key,
      accountId: "fix",
      instrumentId: spec.instrument.id,
      side: view.getString(54) === "1" ? "buy" : "sell",
      type,
      quantity,
      ...(limitPrice === undefined ? {} : { limitPrice }),
      ...(stopPrice === undefined ? {} : { stopPrice }),
      timeInForce: type === "market-on-open" || type === "market-on-close" ? "DAY" : TIF[tif],
      ...(expire instanceof Date ? { expireAt: expire.getTime() * 1000 } : {}),
      ...(display === undefined ? {} : { displayQuantity: display }),
      reduceOnly: false,
      postOnly: (view.getString(18) ?? "").split(" ").includes("6"),
      status: "pending-new",
      filledQuantity: 0,
      filledValue: 0,
      createdAt: now,
      updatedAt: now
    }
    const decoded = decodeOrder(raw, { errors: "all" })
    if (Either.isLeft(decoded)) {
      const why = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
        .map((i) => `${i.path.join(".")}: ${i.message}`)
        .join("; ")
      return reject(session, view, spec, `invalid order: ${why}`, "99")
    }
    const order = decoded.right
    const w: Working = {
      session,
      key,
      spec,
      order,
      firstClOrdId: clOrdId,
      clOrdId,
      venueOrderId: "NONE",
      quantity: order.quantity,
      limit: order.limitPrice,
      stop: order.stopPrice,
      cum: 0,
      cumValue: 0n,
      status: "A"
    }
    byKey.set(key, w)
    chain(session).set(clOrdId, w)
    records.set(recordKey, { session, clOrdId, created: 1, recognizedResends: 0, duplicates: 0 })
    arrive({ _tag: "VenueSubmit", order, ts: now as Order["createdAt"] })
  }

  const cancelReject = (session: string, view: MsgView, w: Working | undefined, responseTo: "1" | "2", text: string) =>
    deliver(session, "9", {
      OrderID: w?.venueOrderId ?? "NONE",
      ClOrdID: view.getString(11) ?? "",
      OrigClOrdID: view.getString(41) ?? "",
      OrdStatus: w?.status ?? "8",
      CxlRejResponseTo: responseTo,
      CxlRejReason: w === undefined ? "1" : "0",
      Text: text
    })

  const cancelOrReplace = (session: string, view: MsgView, kind: "cancel" | "replace") => {
    const responseTo = kind === "cancel" ? "1" : "2"
    const w = chain(session).get(view.getString(41) ?? "")
    if (w === undefined || ["2", "4", "8", "C"].includes(w.status)) {
      return cancelReject(
        session,
        view,
        w,
        responseTo,
        w === undefined ? "unknown order" : "too late: the order is done"
      )
    }
    if (w.pending !== undefined) return cancelReject(session, view, w, responseTo, "a cancel or replace is in flight")
    const clOrdId = view.getString(11) ?? ""
    if (chain(session).has(clOrdId)) return cancelReject(session, view, w, responseTo, `duplicate ClOrdID ${clOrdId}`)
    chain(session).set(clOrdId, w)
    w.pending = { clOrdId, kind }
    const header = {
      accountId: w.order.accountId,
      orderId: w.order.orderId,
      instrumentId: w.order.instrumentId,
      ts: now as Order["createdAt"]
    }
    if (kind === "cancel") {
      arrive({ _tag: "VenueCancel", ...header })
    } else {
      const inc = increments(w.spec.instrument)
      const quantity = units(view.getString(38), inc.lot)
      const limitPrice = units(view.getString(44), inc.tick)
      const stopPrice = units(view.getString(99), inc.tick)
      if (
        quantity === undefined ||
        Number.isNaN(quantity) ||
        quantity <= 0 ||
        Number.isNaN(limitPrice) ||
        Number.isNaN(stopPrice)
      ) {
        w.pending = undefined
        return cancelReject(session, view, w, responseTo, "OrderQty, Price or StopPx is not on the instrument's grid")
      }
      arrive({
        _tag: "VenueReplace",
        ...header,
        quantity: quantity as Order["quantity"],
        ...(limitPrice === undefined ? {} : { limitPrice: limitPrice as NonNullable<Order["limitPrice"]> }),
        ...(stopPrice === undefined ? {} : { stopPrice: stopPrice as NonNullable<Order["stopPrice"]> })
      })
    }
    // The venue answered in the same call or not at all.
    if (w.pending !== undefined) {
      w.pending = undefined
      cancelReject(session, view, w, responseTo, "the venue did not act on it")
    }
  }

  /**
   * OrderMassStatusRequest (AF): one ExecutionReport (ExecType I) per working order of the session — all of them
   * (MassStatusReqType 7) or those of one security (1) — numbered by TotNumReports, the last with
   * LastRptRequested=Y; one report with TotNumReports=0 when there are none.
   */
  const massStatus = (session: string, view: MsgView) => {
    const reqId = view.getString(584) ?? ""
    const type = view.getString(585)
    if (type !== "7" && type !== "1") return businessReject(session, view, `MassStatusReqType ${type} is not supported`)
    const spec = type === "1" ? instruments.bySymbol(view.getString(55), view.getString(207)) : undefined
    if (type === "1" && spec === undefined) return businessReject(session, view, `unknown symbol ${view.getString(55)}`)
    const working = [...new Set(chain(session).values())].filter(
      (w) => !["2", "4", "8", "C"].includes(w.status) && (spec === undefined || w.spec === spec)
    )
    const status = { ExecType: "I", MassStatusReqID: reqId, TotNumReports: working.length }
    if (working.length === 0) {
      return deliver(session, "8", {
        OrderID: "NONE",
        ExecID: `S${++execSeq}`,
        ...status,
        LastRptRequested: true,
        OrdStatus: "8",
        Text: "no orders",
        Instrument: { Symbol: "[N/A]" },
        Side: "1",
        LeavesQty: "0",
        CumQty: "0",
        AvgPx: "0"
      })
    }
    working.forEach((w, i) => {
      deliver(session, "8", {
        OrderID: w.venueOrderId,
        ClOrdID: w.clOrdId,
        ExecID: `S${++execSeq}`,
        ...status,
        ...(i === working.length - 1 ? { LastRptRequested: true } : {}),
        OrdStatus: w.status,
        Instrument: { Symbol: w.spec.instrument.symbol, SecurityExchange: w.spec.instrument.venue },
        Side: w.order.side === "buy" ? "1" : "2",
        OrderQtyData: { OrderQty: qty(w.spec, w.quantity) },
        ...(w.limit === undefined ? {} : { Price: price(w.spec, w.limit) }),
        LeavesQty: qty(w.spec, w.quantity - w.cum),
        CumQty: qty(w.spec, w.cum),
        AvgPx: avgPx(w),
        TransactTime: new Date(Math.floor(now / 1000))
      })
    })
  }

  /**
   * TradeCaptureReportRequest (AD), TradeRequestType 0 (all trades) with an optional TransactTime lower bound:
   * an AQ with the count, then one TradeCaptureReport (AE) per fill of the session, oldest first.
   */
  const tradeCapture = (session: string, view: MsgView) => {
    const reqId = view.getString(568) ?? ""
    const type = view.getString(569)
    const ack = (fields: Record<string, unknown>) =>
      deliver(session, "AQ", {
        TradeRequestID: reqId,
        TradeRequestType: type ?? "0",
        Instrument: { Symbol: "[N/A]" },
        ...fields
      })
    if (type !== "0")
      return ack({
        TradeRequestResult: "8",
        TradeRequestStatus: "2",
        Text: `TradeRequestType ${type} is not supported`
      })
    const from = view.getTyped(60)
    const found = trades.filter((t) => t.w.session === session && (!(from instanceof Date) || t.at >= from))
    ack({ TradeRequestResult: "0", TradeRequestStatus: "0", TotNumTradeReports: found.length })
    found.forEach((t, i) => {
      deliver(session, "AE", {
        TradeReportID: `T${t.execId}`,
        TradeRequestID: reqId,
        TotNumTradeReports: found.length,
        ...(i === found.length - 1 ? { LastRptRequested: true } : {}),
        ExecID: t.execId,
        PreviouslyReported: true,
        Instrument: { Symbol: t.w.spec.instrument.symbol, SecurityExchange: t.w.spec.instrument.venue },
        LastQty: t.fields.LastQty,
        LastPx: t.fields.LastPx,
        TradeDate: t.at.toISOString().slice(0, 10).replaceAll("-", ""),
        TransactTime: t.at,
        TrdCapRptSideGrp: {
          NoSides: [
            {
              Side: t.w.order.side === "buy" ? "1" : "2",
              OrderID: t.w.venueOrderId,
              ClOrdID: t.clOrdId,
              ...(t.fields.Commission === undefined
                ? {}
                : { CommissionData: { Commission: t.fields.Commission, CommType: t.fields.CommType } })
            }
          ]
        }
      })
    })
  }

  const businessReject = (session: string, view: MsgView, text: string) =>
    deliver(session, "j", {
      RefSeqNum: view.getTyped(34),
      RefMsgType: view.getString(35) ?? "",
      BusinessRejectReason: "3",
      Text: text
    })

  const events: PeerEvents = {
    store: (id) => {
      const key = id.toString()
      let store = stores.get(key)
      if (store === undefined) {
        store = new RetainedStore(id)
        stores.set(key, store)
      }
      return store
    },
    onLogon: (_, _sender, password) => options.password === undefined || password === options.password,
    onReady: (peer) => {
      const session = peer.peerCompId
      peers.set(session, peer)
      for (const m of outbox.get(session)?.splice(0) ?? []) deliver(session, m.msgType, m.body)
    },
    onStopped: (peer, _, unsent) => {
      const session = peer.peerCompId
      if (peers.get(session) === peer) peers.delete(session)
      // Taken by the session that just ended and never numbered: ahead of whatever waits for the client since.
      if (unsent.length > 0) outbox.set(session, [...unsent, ...(outbox.get(session) ?? [])])
    },
    onBadInput: (peer, reason) => {
      if (reason.startsWith("the peer rejected")) rejectsReceived.push(`${peer.peerCompId}: ${reason}`)
      options.log("warning", `${peer.peerCompId}: ${reason}`)
    },
    onApplication: (peer, msgType, view) => {
      const session = peer.peerCompId
      if (options.dropCopies.has(session)) return businessReject(session, view, "a drop-copy session is read-only")
      switch (msgType) {
        case "D":
          return newOrder(session, view)
        case "F":
          return cancelOrReplace(session, view, "cancel")
        case "G":
          return cancelOrReplace(session, view, "replace")
        case "AF":
          return massStatus(session, view)
        case "AD":
          return tradeCapture(session, view)
        default:
          return businessReject(session, view, `message type ${msgType} is not supported`)
      }
    }
  }

  return {
    events,
    /** A new top of book for `instrumentId`, prices and sizes as decimals, at venue time `ts` (µs). */
    quote: (
      instrumentId: string,
      ts: number,
      bid: string,
      ask: string,
      bidSize: string,
      askSize: string
    ): string | undefined => {
      const spec = instruments.byId(instrumentId)
      if (spec === undefined) return `unknown instrument ${instrumentId}`
      const inc = increments(spec.instrument)
      const [b, a, bs, as] = [
        units(bid, inc.tick),
        units(ask, inc.tick),
        units(bidSize, inc.lot),
        units(askSize, inc.lot)
      ]
      if ([b, a, bs, as].some((x) => x === undefined || Number.isNaN(x)))
        return "bid, ask or a size is off the instrument's grid"
      now = Math.max(now, ts)
      venue.onQuote(spec.index, ts, b!, bs!, a!, as!)
      return undefined
    },
    /** Bytes as they are to a client's socket: the bad-input injector. */
    injectRaw: (session: string, bytes: Buffer): boolean => peers.get(session)?.writeRaw(bytes) ?? false,
    /** A message framed as the session's next (see `FixPeer.writeFramed`): the bad-input injector. */
    injectFramed: (session: string, msgType: string, fields: string, corrupt?: "checksum" | "bodyLength"): boolean =>
      peers.get(session)?.writeFramed(msgType, fields, corrupt) ?? false,
    record: (): BrokerRecord => ({
      orders: [...records.values()],
      executions: [...executions],
      rejectsReceived: [...rejectsReceived]
    })
  }
}

export type Broker = ReturnType<typeof make>
