/**
 * Backtest/live parity: a strategy instance's orders and fills in a paper session over a replayed feed, against
 * those of a backtest of the same strategy, parameters, data, static data, account and simulated venue. In lockstep
 * the two are the same (docs/live-session.md); `meridian parity` reports the first place they are not.
 *
 * Orders are compared in the order they were submitted, by what they ask for and when, never by id: a backtest's
 * client order ids and the Accounts Service's order ids are numbered by other counters than a session's.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import { BacktestError, run as runBacktest } from "../../backtest/Backtest"
import type { MakeSimulatedVenue } from "../../backtest/SimulatedVenue"
import type { Columns } from "../../data/Columns"
import type { Currency } from "../../domain/Currency"
import * as Decimal from "../../domain/Decimal"
import type { AccountEvent } from "../../domain/Events"
import type { Instrument } from "../../domain/Instrument"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import type { AccountKind } from "../../domain/Portfolio"
import { decodeParams } from "../../strategy/Params"
import type { AnyStrategy } from "../../strategy/Strategy"

/** What an order asked for, and when it was submitted (µs). */
export interface ParityOrder {
  readonly instrumentId: string
  readonly side: string
  readonly type: string
  readonly quantity: number
  readonly limitPrice: number | undefined
  readonly stopPrice: number | undefined
  readonly timeInForce: string
  readonly ts: number
}

/** One fill: its order's instrument (for printing), side, lots, price in ticks, fee in minor units, time (µs). */
export interface ParityFill {
  readonly instrumentId: string
  readonly side: string
  readonly quantity: number
  readonly price: number
  readonly fee: number
  readonly ts: number
}

export interface Trades {
  readonly orders: ReadonlyArray<ParityOrder>
  readonly fills: ReadonlyArray<ParityFill>
}

/** The fields compared, in the order a difference is looked for. */
export const ORDER_FIELDS = [
  "instrumentId",
  "side",
  "type",
  "quantity",
  "limitPrice",
  "stopPrice",
  "timeInForce",
  "ts"
] as const
export const FILL_FIELDS = ["side", "quantity", "price", "fee", "ts"] as const

/** The first place the session and the backtest differ; `field` is `"missing"` where one has fewer. */
export interface Difference {
  readonly stream: "order" | "fill"
  /** 1-based position in the stream. */
  readonly index: number
  readonly field: (typeof ORDER_FIELDS)[number] | (typeof FILL_FIELDS)[number] | "missing"
  readonly session: ParityOrder | ParityFill | undefined
  readonly backtest: ParityOrder | ParityFill | undefined
}

/**
 * The orders and fills of strategy `strategyId` among `events` (an account's stream, in sequence): its orders are
 * those it submitted (`strategyId` on the order), its fills those of its orders.
 */
export const tradesOf = (events: Iterable<AccountEvent>, strategyId: string): Trades => {
  const orders: Array<ParityOrder> = []
  const fills: Array<ParityFill> = []
  const own = new Set<string>()
  for (const event of events) {
    if (event._tag === "OrderSubmitted") {
      const order = event.order
      if (order.strategyId !== strategyId) continue
      own.add(order.orderId)
      orders.push({
        instrumentId: order.instrumentId,
        side: order.side,
        type: order.type,
        quantity: order.quantity,
        limitPrice: order.limitPrice,
        stopPrice: order.stopPrice,
        timeInForce: order.timeInForce,
        ts: event.ts
      })
    } else if (event._tag === "OrderFilled" && own.has(event.fill.orderId)) {
      const fill = event.fill
      fills.push({
        instrumentId: fill.instrumentId,
        side: fill.side,
        quantity: fill.quantity,
        price: fill.price,
        fee: fill.fee,
        ts: fill.ts
      })
    }
  }
  return { orders, fills }
}

const firstIn = <A extends ParityOrder | ParityFill>(
  stream: Difference["stream"],
  session: ReadonlyArray<A>,
  backtest: ReadonlyArray<A>,
  fields: ReadonlyArray<keyof A & Difference["field"]>
): Difference | undefined => {
  const n = Math.max(session.length, backtest.length)
  for (let i = 0; i < n; i++) {
    const s = session[i]
    const b = backtest[i]
    if (s === undefined || b === undefined) return { stream, index: i + 1, field: "missing", session: s, backtest: b }
    for (const field of fields) {
      if (s[field] !== b[field]) return { stream, index: i + 1, field, session: s, backtest: b }
    }
  }
  return undefined
}

/** The first difference, orders before fills; undefined when both are identical. */
export const compare = (session: Trades, backtest: Trades): Difference | undefined =>
  firstIn("order", session.orders, backtest.orders, ORDER_FIELDS) ??
  firstIn("fill", session.fills, backtest.fills, FILL_FIELDS)

const time = (us: number): string => {
  const ms = Math.floor(us / 1000)
  const rest = us - ms * 1000
  const iso = new Date(ms).toISOString()
  return rest === 0 ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, "0")}Z`
}

/** Values as the decimals they stand for (ticks, lots, minor units of the instrument's currency) and times in ISO. */
const render = (specs: InstrumentSpecs | undefined) => {
  const decimal = (instrumentId: string, value: number, unit: "tick" | "lot" | "money"): string => {
    const spec = specs?.byId.get(instrumentId as never)
    if (spec === undefined) return String(value)
    const increment =
      unit === "money"
        ? Decimal.minorIncrement(spec.currency.decimals)
        : Either.getOrUndefined(Decimal.increment(unit === "tick" ? spec.instrument.tickSize : spec.instrument.lotSize))
    return increment === undefined ? String(value) : Decimal.fromUnits(value, increment)
  }
  const value = (item: ParityOrder | ParityFill, field: string): string => {
    const raw = (item as unknown as Record<string, unknown>)[field]
    if (raw === undefined) return "none"
    if (typeof raw !== "number") return String(raw)
    switch (field) {
      case "ts":
        return time(raw)
      case "quantity":
        return decimal(item.instrumentId, raw, "lot")
      case "fee":
        return decimal(item.instrumentId, raw, "money")
      default:
        return decimal(item.instrumentId, raw, "tick")
    }
  }
  const whole = (item: ParityOrder | ParityFill | undefined): string => {
    if (item === undefined) return "none"
    const fields: ReadonlyArray<string> = "type" in item ? ORDER_FIELDS : ["instrumentId", ...FILL_FIELDS]
    return fields
      .filter((field) => (item as unknown as Record<string, unknown>)[field] !== undefined)
      .map((field) => `${field} ${value(item, field)}`)
      .join(", ")
  }
  return { value, whole }
}

/** One line: the first difference, or how many orders and fills are identical. */
export const describe = (session: Trades, difference: Difference | undefined, specs?: InstrumentSpecs): string => {
  if (difference === undefined)
    return `parity: ${session.orders.length} orders and ${session.fills.length} fills identical`
  const { value, whole } = render(specs)
  const where = `parity: ${difference.stream} ${difference.index} differs`
  if (difference.field === "missing")
    return `${where}: session ${whole(difference.session)}; backtest ${whole(difference.backtest)}`
  return `${where} in ${difference.field}: session ${value(difference.session!, difference.field)}, backtest ${value(difference.backtest!, difference.field)} (session ${whole(difference.session)}; backtest ${whole(difference.backtest)})`
}

/** A backtest of one strategy instance of a session, as the session ran it. */
export interface InstanceBacktest {
  /** The instance's id: the strategy id of its orders. */
  readonly id: string
  readonly strategy: AnyStrategy
  readonly params: Readonly<Record<string, unknown>>
  /** The instruments the instance sees, in the order the Strategies Service gives them to it. */
  readonly instruments: ReadonlyArray<Instrument>
  readonly currencies: ReadonlyArray<Currency>
  /** The session's market data; each source's `instrument` column indexes `replayed`. */
  readonly data: ReadonlyArray<Columns>
  readonly replayed: ReadonlyArray<string>
  readonly account: {
    readonly id: string
    readonly kind: AccountKind
    readonly baseCurrency: string
    /** Minor units of the base currency. */
    readonly deposit: number
  }
  readonly venue: MakeSimulatedVenue
}

const configError = (message: string) => new BacktestError({ reason: "Config", message })

/** The instance's orders and fills in a backtest of the session's data on the session's venue. */
export const backtestTrades = (o: InstanceBacktest): Effect.Effect<Trades, BacktestError> =>
  Effect.gen(function* () {
    const params = yield* Either.mapLeft(decodeParams(o.strategy.params, o.params), (problems) =>
      configError(`params of ${o.id}: ${problems}`)
    )
    const index = new Map(o.instruments.map((instrument, i) => [instrument.id as string, i]))
    const to = o.replayed.map((id) => index.get(id) ?? -1)
    const unseen = o.replayed.filter((_, i) => to[i] === -1)
    // Its rows would index no instrument of the backtest; the live instance never saw them either.
    if (unseen.length > 0) return yield* configError(`${o.id} does not see ${unseen.join(", ")}, which was replayed`)
    const data = o.data.map((columns) => ({ ...columns, instrument: columns.instrument.map((i) => to[i]!) }))
    const events: Array<AccountEvent> = []
    yield* runBacktest({
      instruments: o.instruments,
      currencies: o.currencies,
      data,
      strategyId: o.id,
      strategy: o.strategy.program(params),
      account: o.account,
      venue: o.venue,
      onAccountEvent: (event) => events.push(event)
    })
    return tradesOf(events, o.id)
  })
