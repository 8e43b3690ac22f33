/**
 * A fake Binance on loopback, spot or USD-M futures: real HTTP (REST, HMAC-SHA256 signatures checked) and real
 * WebSocket (combined market streams, user data stream), answering in the venue's formats from `fixtures/`.
 * It holds each symbol's book (with update ids) and a market to match orders against; tests drive it and inject
 * what a venue does to a client: errors, rate limits, lost and reordered book updates, disconnects, garbage.
 */
import { createHmac } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer, type IncomingMessage as HttpRequest, type ServerResponse } from "node:http"
import { join } from "node:path"
import type { Socket } from "@effect/platform"
import { Socket as SocketModule } from "@effect/platform"
import { NodeSocketServer } from "@effect/platform-node"
import { Effect, type Scope } from "effect"

export type FakeKind = "spot" | "usdm"

const fixtures = join(import.meta.dirname, "fixtures")
export const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(fixtures, name), "utf8")) as Record<string, unknown>

export const SECRET = "fake-secret-never-logged"
export const API_KEY = "fake-api-key"

interface FakeOrder {
  symbol: string
  orderId: number
  clientOrderId: string
  side: "BUY" | "SELL"
  type: string
  timeInForce: string
  price: string
  origQty: string
  executedQty: string
  status: string
  time: number
}

interface Injected {
  readonly status: number
  readonly body: string
  readonly headers?: Readonly<Record<string, string>>
}

export interface FakeBinance {
  readonly kind: FakeKind
  readonly restUrl: string
  readonly wsUrl: string
  /** Every REST request in arrival order, with its time (ms). */
  readonly requests: Array<{ readonly method: string; readonly path: string; readonly at: number }>
  /** The next request matching `method path` gets this answer instead. */
  readonly failNext: (method: string, path: string, answer: Injected) => void
  /** Replace a symbol's book (what the next snapshot shows), bumping the update id; nothing is streamed. */
  readonly setBook: (
    symbol: string,
    bids: ReadonlyArray<[string, string]>,
    asks: ReadonlyArray<[string, string]>
  ) => void
  /**
   * Change levels (size "0" removes) and stream the change as one depth message, unless `lose` (the message is
   * lost in transit: a gap) or `hold` (kept back, returned, to be sent later out of order).
   */
  readonly depth: (
    symbol: string,
    bids: ReadonlyArray<[string, string]>,
    asks: ReadonlyArray<[string, string]>,
    options?: { readonly lose?: boolean; readonly hold?: boolean }
  ) => Effect.Effect<string>
  /** A trade on the market stream; `repeat` sends it again (as a venue might after a reconnect). */
  readonly trade: (symbol: string, price: string, qty: string, buyerMaker: boolean) => Effect.Effect<string>
  /** Send raw text to every market stream connection. */
  readonly sendMarket: (text: string) => Effect.Effect<void>
  /** Send raw text to every user data stream connection. */
  readonly sendUser: (text: string) => Effect.Effect<void>
  /** Close every market (or user) stream connection, as the venue does at 24 h or under maintenance. */
  readonly disconnect: (which: "market" | "user") => Effect.Effect<void>
  readonly connections: (which: "market" | "user") => number
  /** Set the best bid and ask the fake matches orders against, and match resting orders. */
  readonly setMarket: (symbol: string, bid: string, ask: string) => Effect.Effect<void>
  readonly book: (symbol: string) => {
    readonly bids: Map<string, string>
    readonly asks: Map<string, string>
    readonly lastUpdateId: number
  }
  readonly orders: Map<number, FakeOrder>
}

const sortLevels = (levels: Map<string, string>, descending: boolean) =>
  [...levels.entries()].sort((a, b) => (descending ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])))

/** Start a fake venue on 127.0.0.1 (two ephemeral ports: REST and WebSocket); the scope stops both. */
export const make = (
  kind: FakeKind,
  options: {
    readonly listings?: ReadonlyArray<Record<string, unknown>>
    /**
     * The asset a spot buy's commission is taken in: the quote asset (default; 0.01 of it a fill), or, as Binance
     * does without BNB fee discounts, the base asset bought (0.000001 of it a fill). Sells and futures: the quote.
     */
    readonly buyCommission?: "quote" | "base"
  } = {}
): Effect.Effect<FakeBinance, never, Scope.Scope> =>
  Effect.gen(function* () {
    const prefix = kind === "spot" ? "/api/v3" : "/fapi/v1"
    const documented = fixture(`${kind}/exchangeInfo.json`)
    const exchangeInfo = {
      ...documented,
      symbols: [...(documented.symbols as Array<Record<string, unknown>>), ...(options.listings ?? [])]
    }
    const listed = exchangeInfo.symbols as Array<{ symbol: string; baseAsset: string; quoteAsset: string }>
    const symbols = listed.map((s) => s.symbol)
    /** A fill's commission and its asset (see `buyCommission`). */
    const commission = (o: FakeOrder) => {
      const market = listed.find((s) => s.symbol === o.symbol)!
      return kind === "spot" && o.side === "BUY" && options.buyCommission === "base"
        ? { n: "0.00000100", N: market.baseAsset }
        : { n: "0.01000000", N: market.quoteAsset }
    }
    const books = new Map<
      string,
      { bids: Map<string, string>; asks: Map<string, string>; lastUpdateId: number; lastU: number }
    >()
    for (const symbol of symbols)
      books.set(symbol, { bids: new Map(), asks: new Map(), lastUpdateId: 1_000, lastU: 1_000 })
    const markets = new Map<string, { bid: string; ask: string }>()
    const orders = new Map<number, FakeOrder>()
    const fills: Array<{ order: FakeOrder; price: string; qty: string; tradeId: number; time: number }> = []
    const requests: FakeBinance["requests"] = []
    const injected: Array<{ key: string; answer: Injected }> = []
    let nextOrderId = 1
    let nextTradeId = 500
    let nextAggId = 9_000
    const marketConns = new Set<(chunk: string | Socket.CloseEvent) => Effect.Effect<void, Socket.SocketError>>()
    const userConns = new Set<(chunk: string | Socket.CloseEvent) => Effect.Effect<void, Socket.SocketError>>()

    const broadcast = (conns: typeof marketConns, text: string) =>
      Effect.forEach([...conns], (write) => Effect.ignore(write(text)), { discard: true })

    // ---- WebSocket ----
    const wss = yield* NodeSocketServer.makeWebSocket({ host: "127.0.0.1", port: 0 }).pipe(Effect.orDie)
    const wsPort = wss.address._tag === "TcpAddress" ? wss.address.port : 0
    // The server provides each connection's IncomingMessage itself; its type does not say so.
    const serve = wss.run as unknown as (
      handler: (socket: Socket.Socket) => Effect.Effect<void, never, NodeSocketServer.IncomingMessage>
    ) => Effect.Effect<never, unknown>
    yield* Effect.forkScoped(
      serve((socket) =>
        Effect.gen(function* () {
          const request = yield* NodeSocketServer.IncomingMessage
          const url = request.url ?? ""
          const write = yield* socket.writer
          const conns = url.startsWith("/stream") ? marketConns : userConns
          conns.add(write)
          yield* socket.runRaw(() => {}).pipe(Effect.ensuring(Effect.sync(() => conns.delete(write))), Effect.ignore)
        }).pipe(Effect.scoped)
      )
    )

    // ---- user data events ----
    const now = () => Date.now()
    const userEvent = (
      o: FakeOrder,
      x: string,
      extra: { lastQty?: string; lastPrice?: string; tradeId?: number; cancelId?: string } = {}
    ) => {
      // The order fields both venues name alike; spot pads its zeros to eight decimals and marks "no trade" -1.
      const zero = kind === "spot" ? "0.00000000" : "0"
      const order = {
        s: o.symbol,
        S: o.side,
        q: o.origQty,
        p: o.price,
        x,
        X: o.status,
        i: o.orderId,
        l: extra.lastQty ?? zero,
        z: o.executedQty,
        L: extra.lastPrice ?? zero,
        n: extra.tradeId === undefined ? "0" : commission(o).n,
        T: now(),
        t: extra.tradeId ?? (kind === "spot" ? -1 : 0),
        m: false
      }
      if (kind === "spot") {
        return JSON.stringify({
          ...fixture("spot/executionReport.json"),
          ...order,
          E: now(),
          c: x === "CANCELED" ? (extra.cancelId ?? "web_cancel") : o.clientOrderId,
          C: x === "CANCELED" ? o.clientOrderId : "",
          o: o.type,
          f: o.timeInForce,
          N: extra.tradeId === undefined ? null : commission(o).N
        })
      }
      const template = fixture("usdm/ORDER_TRADE_UPDATE.json")
      return JSON.stringify({
        ...template,
        E: now(),
        T: now(),
        o: { ...(template.o as object), ...order, c: o.clientOrderId, N: commission(o).N }
      })
    }

    /** Fill a whole order at `price` if the market allows; returns the fill for a FULL answer. */
    const tryFill = (o: FakeOrder) => {
      const market = markets.get(o.symbol)
      if (market === undefined || o.status !== "NEW") return undefined
      const price = o.side === "BUY" ? market.ask : market.bid
      const marketable =
        o.type === "MARKET" || (o.side === "BUY" ? Number(o.price) >= Number(price) : Number(o.price) <= Number(price))
      if (!marketable) return undefined
      o.status = "FILLED"
      o.executedQty = o.origQty
      const tradeId = nextTradeId++
      fills.push({ order: o, price, qty: o.origQty, tradeId, time: now() })
      return { price, qty: o.origQty, tradeId }
    }

    const orderAnswer = (o: FakeOrder, fill: ReturnType<typeof tryFill>) => {
      // The fields both venues' order answers share.
      const order = {
        symbol: o.symbol,
        orderId: o.orderId,
        clientOrderId: o.clientOrderId,
        price: o.price,
        origQty: o.origQty,
        executedQty: o.executedQty,
        status: o.status,
        timeInForce: o.timeInForce,
        type: o.type,
        side: o.side
      }
      if (kind === "spot") {
        return {
          ...fixture("spot/order-full.json"),
          ...order,
          transactTime: now(),
          workingTime: now(),
          fills:
            fill === undefined
              ? []
              : [
                  {
                    price: fill.price,
                    qty: fill.qty,
                    commission: commission(o).n,
                    commissionAsset: commission(o).N,
                    tradeId: fill.tradeId
                  }
                ]
        }
      }
      return { ...fixture("usdm/order.json"), ...order, origType: o.type, updateTime: now() }
    }

    const afterNew = (o: FakeOrder, fill: ReturnType<typeof tryFill>) =>
      Effect.gen(function* () {
        const status = o.status
        o.status = "NEW"
        yield* broadcast(userConns, userEvent(o, "NEW"))
        o.status = status
        if (fill !== undefined) {
          yield* broadcast(
            userConns,
            userEvent(o, "TRADE", { lastQty: fill.qty, lastPrice: fill.price, tradeId: fill.tradeId })
          )
        }
      })

    // ---- REST ----
    const venueError = (status: number, file: string, headers?: Record<string, string>): Injected => ({
      status,
      body: JSON.stringify(fixture(`errors/${file}`)),
      ...(headers === undefined ? {} : { headers })
    })

    const signed = (params: URLSearchParams, raw: string, request: HttpRequest): Injected | undefined => {
      if (request.headers["x-mbx-apikey"] !== API_KEY) return venueError(401, "-1022.json")
      const signature = params.get("signature")
      const payload = raw.replace(/&?signature=[0-9a-f]+/, "")
      const expected = createHmac("sha256", SECRET).update(payload).digest("hex")
      if (signature !== expected || params.get("timestamp") === null) return venueError(400, "-1022.json")
      return undefined
    }

    const route = (method: string, path: string, params: URLSearchParams): Effect.Effect<Injected> =>
      Effect.gen(function* () {
        const ok = (body: unknown): Injected => ({ status: 200, body: JSON.stringify(body) })
        const find = () => {
          const id = params.get("orderId")
          const client = params.get("origClientOrderId")
          for (const o of orders.values()) {
            if (o.symbol !== params.get("symbol")) continue
            if (
              (id !== null && id !== "" && String(o.orderId) === id) ||
              (client !== null && o.clientOrderId === client)
            )
              return o
          }
          return undefined
        }
        const newOrder = (clientOrderId: string): FakeOrder => ({
          symbol: params.get("symbol") ?? "",
          orderId: nextOrderId++,
          clientOrderId,
          side: params.get("side") === "SELL" ? "SELL" : "BUY",
          type: params.get("type") ?? "LIMIT",
          timeInForce: params.get("timeInForce") ?? "GTC",
          price: params.get("price") ?? "0",
          origQty: params.get("quantity") ?? "0",
          executedQty: "0",
          status: "NEW",
          time: now()
        })
        switch (`${method} ${path}`) {
          case `GET ${prefix}/exchangeInfo`:
            return ok(exchangeInfo)
          case `GET ${prefix}/time`:
            return ok({ serverTime: now() })
          case `GET ${prefix}/depth`: {
            const book = books.get(params.get("symbol") ?? "")
            if (book === undefined)
              return { status: 400, body: JSON.stringify({ code: -1121, msg: "Invalid symbol." }) }
            const limit = Number(params.get("limit") ?? "100")
            return ok({
              ...fixture(`${kind}/depth.json`),
              lastUpdateId: book.lastUpdateId,
              ...(kind === "usdm" ? { E: now(), T: now() } : {}),
              bids: sortLevels(book.bids, true).slice(0, limit),
              asks: sortLevels(book.asks, false).slice(0, limit)
            })
          }
          case `POST ${prefix}/order`: {
            if (!symbols.includes(params.get("symbol") ?? ""))
              return { status: 400, body: JSON.stringify({ code: -1121, msg: "Invalid symbol." }) }
            const clientOrderId = params.get("newClientOrderId") ?? `x-${nextOrderId}`
            for (const o of orders.values()) {
              if (o.clientOrderId === clientOrderId && o.status === "NEW")
                return { status: 400, body: JSON.stringify({ code: -2010, msg: "Duplicate order sent." }) }
            }
            const o = newOrder(clientOrderId)
            orders.set(o.orderId, o)
            const fill = tryFill(o)
            const answer = orderAnswer(o, fill)
            yield* afterNew(o, fill)
            return ok(answer)
          }
          case `DELETE ${prefix}/order`: {
            const o = find()
            if (o === undefined || o.status !== "NEW") return venueError(400, "-2011.json")
            o.status = "CANCELED"
            yield* broadcast(
              userConns,
              userEvent(o, "CANCELED", { cancelId: params.get("newClientOrderId") ?? "web_cancel" })
            )
            return ok(
              kind === "spot"
                ? {
                    ...fixture("spot/cancel.json"),
                    symbol: o.symbol,
                    origClientOrderId: o.clientOrderId,
                    orderId: o.orderId,
                    transactTime: now(),
                    price: o.price,
                    origQty: o.origQty,
                    executedQty: o.executedQty,
                    status: "CANCELED",
                    side: o.side,
                    type: o.type
                  }
                : orderAnswer(o, undefined)
            )
          }
          case `GET ${prefix}/order`: {
            const o = find()
            if (o === undefined) return venueError(400, "-2013.json")
            return ok(orderAnswer(o, undefined))
          }
          case "POST /api/v3/order/cancelReplace": {
            const old = [...orders.values()].find(
              (o) =>
                String(o.orderId) === params.get("cancelOrderId") ||
                o.clientOrderId === params.get("cancelOrigClientOrderId")
            )
            if (old === undefined || old.status !== "NEW") {
              return {
                status: 400,
                body: JSON.stringify({
                  code: -2022,
                  msg: "Order cancel-replace failed.",
                  data: {
                    cancelResult: "FAILURE",
                    newOrderResult: "NOT_ATTEMPTED",
                    cancelResponse: { code: -2011, msg: "Unknown order sent." },
                    newOrderResponse: null
                  }
                })
              }
            }
            old.status = "CANCELED"
            yield* broadcast(userConns, userEvent(old, "CANCELED", { cancelId: "replace_cancel" }))
            const o = newOrder(params.get("newClientOrderId") ?? old.clientOrderId)
            orders.set(o.orderId, o)
            const fill = tryFill(o)
            const template = fixture("spot/cancelReplace.json")
            const answer = {
              ...template,
              cancelResponse: {
                ...(template.cancelResponse as object),
                symbol: old.symbol,
                origClientOrderId: old.clientOrderId,
                orderId: old.orderId,
                price: old.price,
                origQty: old.origQty,
                transactTime: now()
              },
              newOrderResponse: orderAnswer(o, fill)
            }
            yield* afterNew(o, fill)
            return ok(answer)
          }
          case "PUT /fapi/v1/order": {
            const o = find()
            if (o === undefined || o.status !== "NEW") return venueError(400, "-2011.json")
            o.origQty = params.get("quantity") ?? o.origQty
            o.price = params.get("price") ?? o.price
            yield* broadcast(userConns, userEvent(o, "AMENDMENT"))
            const fill = tryFill(o)
            if (fill !== undefined)
              yield* broadcast(
                userConns,
                userEvent(o, "TRADE", { lastQty: fill.qty, lastPrice: fill.price, tradeId: fill.tradeId })
              )
            return ok(orderAnswer(o, undefined))
          }
          case `GET ${prefix}/openOrders`:
            return ok(
              [...orders.values()]
                .filter((o) => o.status === "NEW" && o.symbol === params.get("symbol"))
                .map((o) => orderAnswer(o, undefined))
            )
          case "GET /api/v3/myTrades":
          case "GET /fapi/v1/userTrades":
            // Spot myTrades and USD-M userTrades, as documented (the two differ in a few field names).
            return ok(
              fills
                .filter((f) => f.order.symbol === params.get("symbol"))
                .map((f) =>
                  kind === "spot"
                    ? {
                        symbol: f.order.symbol,
                        id: f.tradeId,
                        orderId: f.order.orderId,
                        orderListId: -1,
                        price: f.price,
                        qty: f.qty,
                        quoteQty: "0",
                        commission: commission(f.order).n,
                        commissionAsset: commission(f.order).N,
                        time: f.time,
                        isBuyer: f.order.side === "BUY",
                        isMaker: false,
                        isBestMatch: true
                      }
                    : {
                        buyer: f.order.side === "BUY",
                        commission: commission(f.order).n,
                        commissionAsset: commission(f.order).N,
                        id: f.tradeId,
                        maker: false,
                        orderId: f.order.orderId,
                        price: f.price,
                        qty: f.qty,
                        quoteQty: "0",
                        realizedPnl: "0",
                        side: f.order.side,
                        positionSide: "BOTH",
                        symbol: f.order.symbol,
                        time: f.time
                      }
                )
            )
          case "GET /api/v3/account":
            return ok(fixture("spot/account.json"))
          case "GET /fapi/v2/account":
          case "GET /fapi/v3/account":
            return ok(fixture("usdm/account.json"))
          case "POST /api/v3/userDataStream":
          case "POST /fapi/v1/listenKey":
            return ok({ listenKey: "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1" })
          case "PUT /api/v3/userDataStream":
          case "PUT /fapi/v1/listenKey":
            return ok(
              kind === "spot" ? {} : { listenKey: "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1" }
            )
          default:
            return { status: 404, body: JSON.stringify({ code: -1, msg: `fake: no route ${method} ${path}` }) }
        }
      })

    const PUBLIC = new Set([
      `${prefix}/exchangeInfo`,
      `${prefix}/time`,
      `${prefix}/depth`,
      "/api/v3/userDataStream",
      "/fapi/v1/listenKey"
    ])

    const handle = (request: HttpRequest, response: ServerResponse, body: string) =>
      Effect.gen(function* () {
        const url = new URL(request.url ?? "/", "http://127.0.0.1")
        const method = request.method ?? "GET"
        requests.push({ method, path: url.pathname, at: now() })
        const raw = url.search.length > 1 ? url.search.slice(1) : body
        const params = new URLSearchParams(
          url.search.length > 1 && body.length > 0 ? `${url.search.slice(1)}&${body}` : raw
        )
        const i = injected.findIndex((x) => x.key === `${method} ${url.pathname}`)
        let answer: Injected
        if (i >= 0) {
          answer = injected[i]!.answer
          injected.splice(i, 1)
        } else {
          const refused = PUBLIC.has(url.pathname)
            ? undefined
            : signed(params, url.search.length > 1 ? url.search.slice(1) : body, request)
          answer = refused ?? (yield* route(method, url.pathname, params))
        }
        response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers })
        response.end(answer.body)
      })

    const server = createServer((request, response) => {
      let body = ""
      request.setEncoding("utf8")
      request.on("data", (chunk: string) => (body += chunk))
      request.on("end", () => void Effect.runPromise(handle(request, response, body)))
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address()
    const restPort = typeof address === "object" && address !== null ? address.port : 0

    const bookOf = (symbol: string) => {
      const book = books.get(symbol)
      if (book === undefined) throw new Error(`fake: no symbol ${symbol}`)
      return book
    }
    const applyLevels = (side: Map<string, string>, levels: ReadonlyArray<[string, string]>) => {
      for (const [p, q] of levels)
        if (Number(q) === 0) side.delete(p)
        else side.set(p, q)
    }

    return {
      kind,
      restUrl: `http://127.0.0.1:${restPort}`,
      wsUrl: `ws://127.0.0.1:${wsPort}`,
      requests,
      failNext: (method, path, answer) => void injected.push({ key: `${method} ${path}`, answer }),
      setBook: (symbol, bids, asks) => {
        const book = bookOf(symbol)
        book.bids = new Map(bids)
        book.asks = new Map(asks)
        book.lastUpdateId += 1
        book.lastU = book.lastUpdateId
      },
      depth: (symbol, bids, asks, options = {}) =>
        Effect.gen(function* () {
          const book = bookOf(symbol)
          applyLevels(book.bids, bids)
          applyLevels(book.asks, asks)
          const first = book.lastUpdateId + 1
          book.lastUpdateId += Math.max(1, bids.length + asks.length)
          const template = fixture(`${kind}/depthUpdate.json`) as { stream: string; data: Record<string, unknown> }
          const text = JSON.stringify({
            stream: `${symbol.toLowerCase()}@depth@100ms`,
            data: {
              ...template.data,
              E: now(),
              ...(kind === "usdm" ? { T: now(), pu: book.lastU } : {}),
              s: symbol,
              U: first,
              u: book.lastUpdateId,
              b: bids,
              a: asks
            }
          })
          book.lastU = book.lastUpdateId
          if (options.lose !== true && options.hold !== true) yield* broadcast(marketConns, text)
          return text
        }),
      trade: (symbol, price, qty, buyerMaker) =>
        Effect.gen(function* () {
          const template = fixture(kind === "spot" ? "spot/trade.json" : "usdm/aggTrade.json") as {
            data: Record<string, unknown>
          }
          const id = kind === "spot" ? { t: nextTradeId++ } : { a: nextAggId++ }
          const text = JSON.stringify({
            stream: `${symbol.toLowerCase()}@${kind === "spot" ? "trade" : "aggTrade"}`,
            data: { ...template.data, E: now(), s: symbol, ...id, p: price, q: qty, T: now(), m: buyerMaker }
          })
          yield* broadcast(marketConns, text)
          return text
        }),
      sendMarket: (text) => broadcast(marketConns, text),
      sendUser: (text) => broadcast(userConns, text),
      disconnect: (which) =>
        Effect.forEach(
          [...(which === "market" ? marketConns : userConns)],
          (write) => Effect.ignore(write(new SocketModule.CloseEvent(1001, "going away"))),
          { discard: true }
        ),
      connections: (which) => (which === "market" ? marketConns : userConns).size,
      setMarket: (symbol, bid, ask) =>
        Effect.gen(function* () {
          markets.set(symbol, { bid, ask })
          for (const o of orders.values()) {
            if (o.symbol !== symbol) continue
            const fill = tryFill(o)
            if (fill !== undefined)
              yield* broadcast(
                userConns,
                userEvent(o, "TRADE", { lastQty: fill.qty, lastPrice: fill.price, tradeId: fill.tradeId })
              )
          }
        }),
      book: (symbol) => bookOf(symbol),
      orders
    }
  })
