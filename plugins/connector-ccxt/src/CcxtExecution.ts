/**
 * The execution client: the `Execution` port on the venue. Commands are sent in the order they are given, one at a
 * time (so a replace never overtakes the submit it amends), through the raw client's rate limit and retry rule.
 * Reports come from the REST answers and from the user data stream, whichever tells first: each order is accepted
 * once, finishes once, and each fill is reported once by the venue's trade id.
 *
 * The platform's order id is the venue's client order id (Binance: 1-36 of `.A-Za-z0-9:/_-`), so an order can be
 * found again after a restart; a spot amend (cancel-replace) keeps it for the new venue order.
 *
 * @since 0.1.0
 */
import { Socket } from "@effect/platform"
import type { ExecutionCommand, ExecutionReport } from "@meridian/core/domain/Commands"
import * as Decimal from "@meridian/core/domain/Decimal"
import type { AccountId, CurrencyCode, InstrumentId, OrderId, TradeId, VenueOrderId } from "@meridian/core/domain/Ids"
import type { Order } from "@meridian/core/domain/Order"
import type { Lots, Minor, Ticks, Timestamp } from "@meridian/core/domain/Units"
import type { ExecutionService } from "@meridian/core/services/Execution"
import type { Order as CcxtOrder } from "ccxt"
import { Clock, Duration, Effect, Either, Queue, Schema, type Scope } from "effect"
import type { CcxtClient } from "./CcxtClient"
import type { CcxtConfig } from "./CcxtConfig"
import type { CcxtError } from "./CcxtError"
import type { VenueInstrument, VenueInstruments } from "./CcxtInstruments"
import { type OrderUpdate, parseUser } from "./internal/parse"
import { keepConnected } from "./internal/reconnect"
import { fromUnits, multiply, toUnits } from "./internal/units"

/** An order working at the venue, in our units; `orderId` when its client order id is one of ours. */
export interface VenueOpenOrder {
  readonly orderId: OrderId | undefined
  readonly instrumentId: InstrumentId
  readonly venueOrderId: VenueOrderId
  readonly side: "buy" | "sell"
  readonly leavesQuantity: Lots
  readonly filledQuantity: Lots
}

/** A fill as the venue reports it (`myTrades`), in our units. */
export interface VenueTrade {
  readonly orderId: OrderId | undefined
  readonly venueOrderId: string
  readonly instrumentId: InstrumentId
  readonly tradeId: TradeId
  readonly quantity: Lots
  readonly price: Ticks
  readonly fee: Minor
  readonly feeCurrency: CurrencyCode
  readonly liquidity: "maker" | "taker"
  readonly ts: Timestamp
}

export interface VenueBalance {
  readonly currency: CurrencyCode
  /** Free plus locked, in minor units of the currency. */
  readonly total: Minor
}

export interface ExecutionStats {
  /** User data messages received, refused (not JSON, not the documented shape), about orders we do not track. */
  messages: number
  rejected: number
  unknownOrders: number
  reconnects: number
}

export interface CcxtExecution extends ExecutionService {
  /** Reconciliation: what the venue holds, asked of the venue (not from the connector's memory). */
  readonly requestOpenOrders: Effect.Effect<ReadonlyArray<VenueOpenOrder>, CcxtError>
  readonly requestFills: (sinceMs: number) => Effect.Effect<ReadonlyArray<VenueTrade>, CcxtError>
  readonly requestBalances: Effect.Effect<ReadonlyArray<VenueBalance>, CcxtError>
  /** The last balances the user data stream reported, by asset (venue decimal strings, free and locked). */
  readonly balances: () => ReadonlyMap<string, { readonly free: string; readonly locked: string }>
  readonly stats: () => ExecutionStats
}

/**
 * A fee in minor units of its currency. Binance spot takes a buy's commission in the asset bought (BTC of a
 * BTCUSDT buy): that is an instrument, not a currency an account can value, so such a fee is reported in the quote
 * currency at the fill's price (the venue's holding is then short of the quantity bought by the commission).
 */
const venueFee = (
  instruments: VenueInstruments,
  venue: VenueInstrument,
  commission: string | number,
  asset: string | null | undefined,
  price: string | number
): { readonly fee: Minor; readonly feeCurrency: CurrencyCode } => {
  const base = asset === venue.baseAsset
  const feeCurrency = (
    asset === null || asset === undefined || asset === "" || base ? venue.quoteAsset : asset
  ) as CurrencyCode
  const decimals = instruments.specs.currencies.get(feeCurrency)?.decimals ?? 8
  const decimal = (n: string | number) => (typeof n === "number" ? Decimal.fromNumber(n) : Either.right(n))
  const amount = base
    ? Either.flatMap(Either.all([decimal(commission), decimal(price)]), ([c, p]) => multiply(c, p))
    : decimal(commission)
  const fee = Either.flatMap(amount, (a) => toUnits(a, Decimal.minorIncrement(decimals), "half-even"))
  return { fee: (Either.isRight(fee) ? fee.right : 0) as Minor, feeCurrency }
}

/** Binance's client order id: what our order ids must also be to round-trip. */
const CLIENT_ORDER_ID = /^[.A-Za-z0-9:/_-]{1,36}$/

interface Tracked {
  readonly accountId: AccountId
  readonly orderId: OrderId
  readonly venue: VenueInstrument
  side: "buy" | "sell"
  type: "limit" | "market"
  quantity: number
  limitPrice: number | undefined
  venueOrderId: string | undefined
  accepted: boolean
  done: boolean
  /** A replace in flight: a cancel of the current venue order is the replace's own until it answers. */
  replacing: boolean
  deferredCancel: boolean
  readonly trades: Set<string>
}

/** The raw REST order fields read (spot FULL answers carry the fills). */
const RestOrder = Schema.Struct({
  orderId: Schema.Union(Schema.Int, Schema.String),
  status: Schema.String,
  transactTime: Schema.optional(Schema.Int),
  updateTime: Schema.optional(Schema.Int),
  fills: Schema.optional(
    Schema.Array(
      Schema.Struct({
        price: Schema.String,
        qty: Schema.String,
        commission: Schema.String,
        commissionAsset: Schema.String,
        tradeId: Schema.Int
      })
    )
  )
})
const decodeRestOrder = Schema.decodeUnknownEither(RestOrder)

/** The venue's reason, without ccxt's `binance ` prefix and JSON wrapping when it has them. */
const venueMessage = (error: CcxtError): string => {
  const match = /"msg"\s*:\s*"([^"]*)"/.exec(error.message)
  const code = /"code"\s*:\s*(-?\d+)/.exec(error.message)
  return match === null
    ? error.message.replace(/^binance(usdm)? /, "")
    : `${code === null ? "" : `${code[1]} `}${match[1]}`
}

export const make = (
  client: CcxtClient,
  instruments: VenueInstruments,
  config: CcxtConfig
): Effect.Effect<CcxtExecution, never, Scope.Scope | Socket.WebSocketConstructor> =>
  Effect.gen(function* () {
    const handlers = new Set<(report: ExecutionReport) => void>()
    const orders = new Map<string, Tracked>()
    const balances = new Map<string, { free: string; locked: string }>()
    const stats: ExecutionStats = { messages: 0, rejected: 0, unknownOrders: 0, reconnects: 0 }
    const reconnect = { initialMs: config.reconnect?.initialMs ?? 250, maxMs: config.reconnect?.maxMs ?? 30_000 }
    const emit = (report: ExecutionReport) => {
      for (const handler of handlers) handler(report)
    }
    const nowUs = Effect.map(Clock.currentTimeMillis, (ms) => (ms * 1000) as Timestamp)
    const header = (t: Tracked, ts: Timestamp) => ({ accountId: t.accountId, orderId: t.orderId, ts })

    /** Every venue order id an order of ours had (a spot replace makes a new one), for the venue's trade lists. */
    const byVenueOrderId = new Map<string, OrderId>()
    const setVenueOrderId = (t: Tracked, venueOrderId: string) => {
      t.venueOrderId = venueOrderId
      byVenueOrderId.set(venueOrderId, t.orderId)
    }
    const accept = (t: Tracked, venueOrderId: string, ts: Timestamp) => {
      setVenueOrderId(t, venueOrderId)
      if (t.accepted || t.done) return
      t.accepted = true
      emit({ _tag: "VenueAccepted", ...header(t, ts), venueOrderId: venueOrderId as VenueOrderId })
    }
    const finish = (t: Tracked, tag: "VenueCanceled" | "VenueExpired", ts: Timestamp) => {
      if (t.done) return
      t.done = true
      emit({ _tag: tag, ...header(t, ts) })
    }
    const reject = (t: Tracked, message: string, ts: Timestamp) => {
      if (t.done) return
      t.done = true
      emit({ _tag: "VenueRejected", ...header(t, ts), message })
    }
    const fill = (
      t: Tracked,
      fields: {
        tradeId: number
        qty: string
        price: string
        commission: string
        asset: string | null
        maker: boolean
        ts: Timestamp
      }
    ): Effect.Effect<void> => {
      const tradeId = `${t.venue.symbol}-${fields.tradeId}`
      if (t.trades.has(tradeId)) return Effect.void
      const quantity = toUnits(fields.qty, t.venue.lot)
      const price = toUnits(fields.price, t.venue.tick)
      if (Either.isLeft(quantity) || Either.isLeft(price) || quantity.right <= 0) {
        return Effect.logError("venue fill off the instrument's grid: not reported").pipe(
          Effect.annotateLogs({ orderId: t.orderId, tradeId, qty: fields.qty, price: fields.price })
        )
      }
      t.trades.add(tradeId)
      if (!t.accepted && t.venueOrderId !== undefined) accept(t, t.venueOrderId, fields.ts)
      emit({
        _tag: "VenueFilled",
        ...header(t, fields.ts),
        tradeId: tradeId as TradeId,
        quantity: quantity.right as Extract<ExecutionReport, { _tag: "VenueFilled" }>["quantity"],
        price: price.right as Ticks,
        ...venueFee(instruments, t.venue, fields.commission, fields.asset, fields.price),
        liquidity: fields.maker ? "maker" : "taker"
      })
      return Effect.void
    }

    /** A REST answer about an order (create, edit, query): accept, fills it carries, a terminal status. */
    const fromRest = (t: Tracked, answer: CcxtOrder): Effect.Effect<void> =>
      Effect.gen(function* () {
        const raw = decodeRestOrder(answer.info)
        if (Either.isLeft(raw)) {
          return yield* Effect.logError("venue order answer without its documented fields").pipe(
            Effect.annotateLogs({ orderId: t.orderId })
          )
        }
        const info = raw.right
        const ts = info.transactTime ?? info.updateTime
        const at = ts === undefined ? yield* nowUs : ((ts * 1000) as Timestamp)
        accept(t, String(info.orderId), at)
        // Fills in the answer matched on arrival: the order took liquidity.
        for (const f of info.fills ?? []) {
          yield* fill(t, {
            tradeId: f.tradeId,
            qty: f.qty,
            price: f.price,
            commission: f.commission,
            asset: f.commissionAsset,
            maker: false,
            ts: at
          })
        }
        if (info.status === "CANCELED") finish(t, "VenueCanceled", at)
        else if (info.status === "EXPIRED" || info.status === "EXPIRED_IN_MATCH") finish(t, "VenueExpired", at)
        else if (info.status === "REJECTED") reject(t, "rejected by the venue", at)
        else if (info.status === "FILLED") t.done = true
      })

    const orderParams = (order: Order): Record<string, string | boolean> => ({
      newClientOrderId: order.orderId,
      ...(order.type === "limit"
        ? { timeInForce: order.timeInForce === "DAY" || order.timeInForce === "GTD" ? "GTC" : order.timeInForce }
        : {}),
      ...(order.postOnly ? { postOnly: true } : {}),
      ...(order.reduceOnly && config.exchange === "binanceusdm" ? { reduceOnly: true } : {})
    })

    const submit = (command: Extract<ExecutionCommand, { _tag: "VenueSubmit" }>) =>
      Effect.gen(function* () {
        const order = command.order
        const venue = instruments.byId.get(order.instrumentId)
        const ts = command.ts
        const refuse = (message: string) =>
          Effect.sync(() =>
            emit({ _tag: "VenueRejected", accountId: order.accountId, orderId: order.orderId, ts, message })
          )
        if (venue === undefined)
          return yield* refuse(`instrument ${order.instrumentId} is not traded by this connector`)
        if (order.type !== "limit" && order.type !== "market")
          return yield* refuse(`order type ${order.type} is not supported on ${config.exchange}`)
        if (!CLIENT_ORDER_ID.test(order.orderId))
          return yield* refuse(
            `order id ${order.orderId} is not a valid ${config.exchange} client order id (1-36 of .A-Za-z0-9:/_-)`
          )
        if (orders.has(order.orderId)) return yield* refuse(`order id ${order.orderId} was already sent`)
        const t: Tracked = {
          accountId: order.accountId,
          orderId: order.orderId,
          venue,
          side: order.side,
          type: order.type,
          quantity: order.quantity,
          limitPrice: order.limitPrice,
          venueOrderId: undefined,
          accepted: false,
          done: false,
          replacing: false,
          deferredCancel: false,
          trades: new Set()
        }
        orders.set(order.orderId, t)
        const answer = yield* Effect.either(
          client.newOrder({
            symbol: venue.symbol,
            type: order.type,
            side: order.side,
            amount: fromUnits(order.quantity, venue.lot),
            price: order.limitPrice === undefined ? undefined : fromUnits(order.limitPrice, venue.tick),
            params: orderParams(order)
          })
        )
        if (Either.isRight(answer)) return yield* fromRest(t, answer.right)
        const error = answer.left
        if (error.reason !== "Network") return reject(t, venueMessage(error), ts)
        // The request may or may not have reached the venue: ask it by our client order id.
        const known = yield* Effect.either(client.order(venue.symbol, order.orderId))
        if (Either.isRight(known)) return yield* fromRest(t, known.right)
        if (known.left.reason === "Rejected") return reject(t, `not received by the venue: ${error.message}`, ts)
        yield* Effect.logError(
          "order state unknown after a network failure; the user data stream or reconciliation will tell"
        ).pipe(Effect.annotateLogs({ orderId: order.orderId, error: error.message }))
      })

    const cancel = (command: Extract<ExecutionCommand, { _tag: "VenueCancel" }>) =>
      Effect.gen(function* () {
        const t = orders.get(command.orderId)
        if (t === undefined || t.done)
          return yield* Effect.logWarning("cancel of an order not working here").pipe(
            Effect.annotateLogs({ orderId: command.orderId })
          )
        const answer = yield* Effect.either(client.cancelOrder(t.venue.symbol, t.orderId))
        if (Either.isRight(answer)) return yield* fromRest(t, answer.right)
        // Typically -2011 Unknown order: it filled or finished first; its reports say so.
        yield* Effect.logWarning("venue refused a cancel").pipe(
          Effect.annotateLogs({ orderId: t.orderId, reason: venueMessage(answer.left) })
        )
      })

    const replace = (command: Extract<ExecutionCommand, { _tag: "VenueReplace" }>) =>
      Effect.gen(function* () {
        const t = orders.get(command.orderId)
        if (t === undefined || t.done || t.venueOrderId === undefined) {
          return yield* Effect.logWarning("replace of an order not working here").pipe(
            Effect.annotateLogs({ orderId: command.orderId })
          )
        }
        const limitPrice = command.limitPrice ?? t.limitPrice
        t.replacing = true
        const answer = yield* Effect.either(
          client.editOrder({
            symbol: t.venue.symbol,
            venueOrderId: t.venueOrderId,
            type: t.type,
            side: t.side,
            amount: fromUnits(command.quantity, t.venue.lot),
            price: limitPrice === undefined ? undefined : fromUnits(limitPrice, t.venue.tick),
            params:
              config.exchange === "binance"
                ? {
                    cancelReplaceMode: "STOP_ON_FAILURE",
                    newClientOrderId: t.orderId,
                    ...(t.type === "limit" ? { timeInForce: "GTC" } : {})
                  }
                : {}
          })
        )
        t.replacing = false
        if (Either.isLeft(answer)) {
          yield* Effect.logWarning("venue refused a replace").pipe(
            Effect.annotateLogs({ orderId: t.orderId, reason: venueMessage(answer.left) })
          )
          // Spot: the cancel half may have gone through with the new order refused; then the order is gone.
          if (t.deferredCancel) finish(t, "VenueCanceled", command.ts)
          return
        }
        t.deferredCancel = false
        t.quantity = command.quantity
        t.limitPrice = limitPrice
        const info = decodeRestOrder(answer.right.info)
        if (Either.isRight(info)) setVenueOrderId(t, String(info.right.orderId))
        emit({
          _tag: "VenueReplaced",
          ...header(t, command.ts),
          quantity: command.quantity,
          ...(limitPrice === undefined ? {} : { limitPrice: limitPrice as Ticks })
        })
        yield* fromRest(t, answer.right)
      })

    const onOrderUpdate = (u: OrderUpdate): Effect.Effect<void> => {
      const t = orders.get(u.clientOrderId)
      if (t === undefined) {
        stats.unknownOrders++
        return Effect.logWarning("order update about an order not placed by this connector").pipe(
          Effect.annotateLogs({ clientOrderId: u.clientOrderId, execType: u.execType })
        )
      }
      const ts = (u.time * 1000) as Timestamp
      switch (u.execType) {
        case "NEW":
          if (!t.replacing) accept(t, u.orderId, ts)
          return Effect.void
        case "TRADE":
          if (t.venueOrderId === undefined) setVenueOrderId(t, u.orderId)
          return fill(t, {
            tradeId: u.tradeId,
            qty: u.lastQty,
            price: u.lastPrice,
            commission: u.commission,
            asset: u.commissionAsset,
            maker: u.maker,
            ts
          })
        case "CANCELED":
          // The cancel half of a replace, or of an order a replace already superseded, is not the order's end.
          if (t.replacing && u.orderId === t.venueOrderId) t.deferredCancel = true
          else if (u.orderId === t.venueOrderId || t.venueOrderId === undefined) finish(t, "VenueCanceled", ts)
          return Effect.void
        case "EXPIRED":
        case "TRADE_PREVENTION":
          if (u.orderId === t.venueOrderId || t.venueOrderId === undefined) finish(t, "VenueExpired", ts)
          return Effect.void
        case "REJECTED":
          if (!t.accepted) reject(t, u.rejectReason, ts)
          return Effect.void
        default:
          return Effect.void
      }
    }

    const onUserMessage = (data: string | Uint8Array, expire: Effect.Effect<void>): Effect.Effect<void> => {
      stats.messages++
      const text = typeof data === "string" ? data : new TextDecoder().decode(data)
      const parsed = parseUser(text)
      if (Either.isLeft(parsed)) {
        stats.rejected++
        return Effect.logWarning("venue message rejected").pipe(
          Effect.annotateLogs({ reason: parsed.left.reason, message: parsed.left.message, payload: text.slice(0, 200) })
        )
      }
      const event = parsed.right
      switch (event._tag) {
        case "Order":
          return onOrderUpdate(event.update)
        case "Balances":
          for (const b of event.balances) balances.set(b.asset, { free: b.free, locked: b.locked })
          return Effect.void
        case "ListenKeyExpired":
          return expire
        case "Ignored":
          return Effect.void
      }
    }

    const userStream = (healthy: () => void) =>
      Effect.scoped(
        Effect.gen(function* () {
          const listenKey = yield* client.listenKey
          // The venue closes a listen key after 60 minutes without a keepalive.
          yield* client.keepAlive(listenKey).pipe(
            Effect.catchAll((e) =>
              Effect.logWarning("listen key keepalive failed").pipe(Effect.annotateLogs({ error: e.message }))
            ),
            Effect.delay(Duration.minutes(30)),
            Effect.forever,
            Effect.forkScoped
          )
          const socket = yield* Socket.makeWebSocket(client.userStreamUrl(listenKey), { openTimeout: 10_000 })
          const writer = yield* socket.writer
          let seen = false
          yield* socket.runRaw((data) => {
            if (!seen) {
              seen = true
              healthy()
            }
            // listenKeyExpired: close, and the next connection takes a new key.
            return onUserMessage(data, Effect.ignore(writer(new Socket.CloseEvent(1000))))
          })
        })
      )

    yield* Effect.forkScoped(keepConnected("user data stream", reconnect, userStream, () => stats.reconnects++))

    const queue = yield* Effect.acquireRelease(Queue.unbounded<ExecutionCommand>(), Queue.shutdown)
    const run = (command: ExecutionCommand): Effect.Effect<void> => {
      switch (command._tag) {
        case "VenueSubmit":
          return submit(command)
        case "VenueCancel":
          return cancel(command)
        case "VenueReplace":
          return replace(command)
      }
    }
    yield* Queue.take(queue).pipe(
      Effect.flatMap((command) =>
        run(command).pipe(
          // A defect in one command (or in a report handler it called) must not stop every later command.
          Effect.catchAllCause((cause) =>
            Effect.logError("venue command failed unexpectedly").pipe(Effect.annotateLogs({ cause: String(cause) }))
          ),
          Effect.annotateLogs({ command: command._tag })
        )
      ),
      Effect.forever,
      Effect.forkScoped
    )

    const lotsOf = (n: number | undefined, venue: VenueInstrument) =>
      Either.getOrElse(toUnits(n ?? 0, venue.lot, "floor"), () => 0) as Lots
    /** Our order id of a venue order: its client order id when that is one of ours, else the venue order id's. */
    const ourOrderId = (clientOrderId: string | undefined, venueOrderId: string | undefined): OrderId | undefined =>
      clientOrderId !== undefined && CLIENT_ORDER_ID.test(clientOrderId)
        ? (clientOrderId as OrderId)
        : venueOrderId === undefined
          ? undefined
          : byVenueOrderId.get(venueOrderId)

    return {
      execute: (command) => void Queue.unsafeOffer(queue, command),
      reports: (handler) =>
        Effect.acquireRelease(
          Effect.sync(() => void handlers.add(handler)),
          () => Effect.sync(() => void handlers.delete(handler))
        ),
      requestOpenOrders: Effect.forEach(instruments.bySymbol.values(), (venue) =>
        Effect.map(client.openOrders(venue.symbol), (list) =>
          list.map(
            (o): VenueOpenOrder => ({
              orderId: ourOrderId(o.clientOrderId, o.id),
              instrumentId: venue.id,
              venueOrderId: o.id as VenueOrderId,
              side: o.side === "sell" ? "sell" : "buy",
              leavesQuantity: lotsOf(o.remaining, venue),
              filledQuantity: lotsOf(o.filled, venue)
            })
          )
        )
      ).pipe(Effect.map((lists) => lists.flat())),
      requestFills: (sinceMs) =>
        Effect.forEach(instruments.bySymbol.values(), (venue) =>
          Effect.map(client.myTrades(venue.symbol, sinceMs), (list) =>
            list.flatMap((trade): Array<VenueTrade> => {
              const quantity = toUnits(trade.amount ?? 0, venue.lot)
              const price = toUnits(trade.price ?? 0, venue.tick)
              if (Either.isLeft(quantity) || Either.isLeft(price)) return []
              return [
                {
                  orderId: ourOrderId(undefined, trade.order),
                  venueOrderId: trade.order ?? "",
                  instrumentId: venue.id,
                  tradeId: `${venue.symbol}-${trade.id}` as TradeId,
                  quantity: quantity.right as Lots,
                  price: price.right as Ticks,
                  ...venueFee(instruments, venue, trade.fee?.cost ?? 0, trade.fee?.currency, trade.price ?? 0),
                  liquidity: trade.takerOrMaker === "maker" ? "maker" : "taker",
                  ts: ((trade.timestamp ?? 0) * 1000) as Timestamp
                }
              ]
            })
          )
        ).pipe(Effect.map((lists) => lists.flat())),
      requestBalances: Effect.map(client.account, (b) =>
        Object.entries(b.total ?? {}).flatMap(([asset, total]): Array<VenueBalance> => {
          const decimals = instruments.specs.currencies.get(asset as CurrencyCode)?.decimals ?? 8
          const units = toUnits(total ?? 0, Decimal.minorIncrement(decimals), "half-even")
          return Either.isRight(units) ? [{ currency: asset as CurrencyCode, total: units.right as Minor }] : []
        })
      ),
      balances: () => new Map(balances),
      stats: () => ({ ...stats })
    }
  })
