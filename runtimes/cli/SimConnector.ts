/**
 * The simulated venue of the `connector-sim` plugin as the command line hosts it, in two kinds:
 *
 * - `sim` (paper trading): deterministic, fed each market data event through the calls a backtest makes and each
 *   venue command at the time of the last event, as a backtest's venue gets its orders. Its reports come out of
 *   those calls; the Execution Service rebuilds them by replaying its journal.
 * - `sim-remote`: the same venue hosted as a real one is, behind the asynchronous `Execution` port. Its reports
 *   reach the service on a later turn (or `reportDelayMs` later), as a network's would, and those on the way at a
 *   crash are lost, as a network's are; it keeps its own state (every input it took, with the service's sequence,
 *   written before it acts on it) in `stateDir`, so that it outlives the service as a venue does, takes no input
 *   twice, refuses a second order with a client order id it has seen, and answers reconciliation from what it
 *   holds. It stages the hosting of real connectors (FIX, ccxt) with no venue outside the machine.
 *
 * @since 0.1.0
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Effect, Either, Schema } from "effect"
import { ExecutionCommand, type ExecutionReport } from "../../core/domain/Commands"
import type { VenueOrderId } from "../../core/domain/Ids"
import type { InstrumentSpecs } from "../../core/domain/InstrumentSpec"
import { MarketDataEvent, periodMicros } from "../../core/domain/MarketData"
import { lots } from "../../core/domain/Units"
import { markTime } from "../../core/engine/portfolio/MarkPrice"
import { ConnectorError, type ConnectorKind, connectorKind } from "../../core/live/execution/Connector"
import { SimConnectorOptions } from "../../core/live/execution/ExecutionConfig"
import type { VenueFill, VenueOpenOrder, VenueState } from "../../core/live/execution/VenueState"
import { fixedLatency, noFees, noSlippage, notionalFractionFee, SimVenue } from "../../plugins/connector-sim/src/index"

const AGGRESSOR = { none: 0, buy: 1, sell: 2 } as const
const BOOK_ACTION = { set: 0, delete: 1, clear: 2 } as const

interface Fed {
  readonly execute: (command: ExecutionCommand) => void
  readonly marketData: (event: MarketDataEvent) => void
}

/** The simulated venue with `options`, reporting to `report`. */
const feed = (options: SimConnectorOptions, specs: InstrumentSpecs, report: (r: ExecutionReport) => void): Fed => {
  const venue = new SimVenue({
    specs,
    barFill: options.barFill,
    fees: options.commission === "0" ? noFees : notionalFractionFee(options.commission),
    latency: fixedLatency(options.latencyUs),
    slippage: noSlippage,
    seed: options.seed,
    report,
    ...(options.volumeLimit === undefined ? {} : { volumeLimit: options.volumeLimit })
  })
  /** The time of the last event: a bar is known at its close, as the backtest's clock has it. */
  let now = 0
  return {
    execute: (command) => {
      venue.execute(command)
      // A command with no latency arrives now, so that its answers come before the next event.
      venue.advanceTo(now)
    },
    marketData: (event) => {
      const index = specs.byId.get(event.instrumentId)?.index
      if (index === undefined) return
      switch (event._tag) {
        case "Quote":
          venue.onQuote(index, event.ts, event.bidPrice, event.bidSize, event.askPrice, event.askSize)
          break
        case "Trade":
          venue.onTrade(index, event.ts, event.price, event.size, AGGRESSOR[event.aggressor])
          break
        case "Bar":
          venue.onBar(
            index,
            event.ts,
            periodMicros(event.period),
            event.open,
            event.high,
            event.low,
            event.close,
            event.volume
          )
          break
        case "BookDelta":
          venue.onBookDelta(
            index,
            event.ts,
            BOOK_ACTION[event.action],
            event.side === "bid" ? 0 : 1,
            event.price,
            event.size
          )
          break
      }
      now = Math.max(now, markTime(event))
    }
  }
}

interface Held {
  readonly submit: Extract<ExecutionCommand, { _tag: "VenueSubmit" }>
  venueOrderId: VenueOrderId | undefined
  quantity: number
  filled: number
}

/** What the simulated venue holds, from the orders it was given and the reports it made: its `VenueState`. */
class Holdings {
  private readonly orders = new Map<string, Held>()
  private readonly fills: Array<VenueFill> = []

  submitted(command: ExecutionCommand): void {
    if (command._tag !== "VenueSubmit") return
    const { accountId, orderId, quantity } = command.order
    this.orders.set(`${accountId}/${orderId}`, { submit: command, venueOrderId: undefined, quantity, filled: 0 })
  }

  reported(report: ExecutionReport): void {
    const key = `${report.accountId}/${report.orderId}`
    const order = this.orders.get(key)
    if (report._tag === "VenueFilled") this.fills.push(report)
    if (order === undefined) return
    switch (report._tag) {
      case "VenueAccepted":
        order.venueOrderId = report.venueOrderId
        return
      case "VenueFilled":
        order.filled += report.quantity
        break
      case "VenueReplaced":
        order.quantity = report.quantity
        break
      default:
        this.orders.delete(key)
        return
    }
    if (order.filled >= order.quantity) this.orders.delete(key)
  }

  readonly state: VenueState = {
    openOrders: Effect.sync(() =>
      [...this.orders.values()].flatMap((o): Array<VenueOpenOrder> => {
        if (o.venueOrderId === undefined) return []
        const { accountId, orderId, instrumentId, side } = o.submit.order
        return [
          {
            accountId,
            orderId,
            instrumentId,
            side,
            venueOrderId: o.venueOrderId,
            leavesQuantity: lots(o.quantity - o.filled),
            filledQuantity: lots(o.filled)
          }
        ]
      })
    ),
    fillsSince: (since) => Effect.sync(() => this.fills.filter((fill) => fill.ts >= since)),
    // A paper venue holds no money: cash is the Accounts Service's alone.
    balances: Effect.succeed([])
  }
}

/** `sim`: paper trading. */
export const sim: ConnectorKind = connectorKind("sim", SimConnectorOptions, (options, { specs }) =>
  Effect.succeed({
    _tag: "Deterministic",
    open: (report) => {
      const holdings = new Holdings()
      const venue = feed(options, specs, (r) => {
        holdings.reported(r)
        report(r)
      })
      return {
        execute: (command) => {
          holdings.submitted(command)
          venue.execute(command)
        },
        marketData: venue.marketData,
        state: holdings.state
      }
    }
  })
)

const SimRemoteOptions = Schema.Struct({
  ...SimConnectorOptions.fields,
  /** Where the venue keeps what it took (relative to the configuration's folder). */
  stateDir: Schema.String.pipe(Schema.minLength(1)),
  /** How long its reports take to reach the service, ms (default 0: the next turn of the event loop). */
  reportDelayMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 0 })
})

/**
 * One line of the venue's own log: a market data event or a command with the service's sequence (a command sent
 * through the port alone, as reconciliation's, has none).
 */
const Taken = Schema.parseJson(
  Schema.Union(
    Schema.Struct({
      command: ExecutionCommand,
      from: Schema.optionalWith(Schema.Struct({ shard: Schema.Int, seq: Schema.Int }), { exact: true })
    }),
    Schema.Struct({ seq: Schema.Number, event: MarketDataEvent })
  )
)
const encodeTaken = Schema.encodeSync(Taken)
const decodeTaken = Schema.decodeUnknownEither(Taken)

/** `sim-remote`: the simulated venue behind the asynchronous port, with a state of its own. */
export const simRemote: ConnectorKind = connectorKind("sim-remote", SimRemoteOptions, (options, { specs, baseDir }) =>
  Effect.try({
    catch: (e) =>
      new ConnectorError({ message: `connector.sim-remote.stateDir: ${e instanceof Error ? e.message : e}` }),
    try: () => {
      const dir = resolve(baseDir, options.stateDir)
      mkdirSync(dir, { recursive: true })
      const file = join(dir, "venue.jsonl")
      const holdings = new Holdings()
      const pending: Array<ExecutionReport> = []
      const handlers = new Set<(report: ExecutionReport) => void>()
      let restoring = true
      let scheduled = false
      const deliver = () => {
        scheduled = false
        if (handlers.size === 0) return
        for (const report of pending.splice(0)) for (const handler of handlers) handler(report)
      }
      const later = (f: () => void) =>
        options.reportDelayMs === 0 ? setImmediate(f) : setTimeout(f, options.reportDelayMs)
      const send = (report: ExecutionReport) => {
        // What it made before the restart is lost on the way (the network's part); reconciliation recovers it.
        if (restoring) return
        pending.push(report)
        if (!scheduled) {
          scheduled = true
          later(deliver)
        }
      }
      const venue = feed(options, specs, (report) => {
        holdings.reported(report)
        send(report)
      })
      const seen = new Set<string>()
      let lastSeq = 0
      /** The last command taken of each shard's stream. */
      const lastCommand = new Map<number, number>()
      const take = (line: typeof Taken.Type) => {
        if ("event" in line) {
          lastSeq = line.seq
          venue.marketData(line.event)
          return
        }
        if (line.from !== undefined) lastCommand.set(line.from.shard, line.from.seq)
        const command = line.command
        if (command._tag === "VenueSubmit") {
          const key = `${command.order.accountId}/${command.order.orderId}`
          if (seen.has(key)) {
            // As real venues do: a client order id is used once; the order it names is left as it is.
            const { accountId, orderId } = command.order
            return send({
              _tag: "VenueRejected",
              accountId,
              orderId,
              ts: command.ts,
              message: "duplicate client order id"
            })
          }
          seen.add(key)
          holdings.submitted(command)
        }
        venue.execute(command)
      }
      if (existsSync(file)) {
        for (const [n, line] of readFileSync(file, "utf8").split("\n").entries()) {
          if (line === "") continue
          const taken = Either.getOrThrowWith(
            decodeTaken(line),
            (e) => new Error(`${file} line ${n + 1}: ${e.message}`)
          )
          take(taken)
        }
      }
      restoring = false
      /** Written before it is acted on: a kill -9 loses nothing the venue acted on. */
      const takeNew = (line: typeof Taken.Type) => {
        appendFileSync(file, `${encodeTaken(line)}\n`)
        take(line)
      }
      return {
        _tag: "Venue" as const,
        execution: {
          execute: (command: ExecutionCommand) => takeNew({ command }),
          reports: (handler: (report: ExecutionReport) => void) =>
            Effect.acquireRelease(
              Effect.sync(() => {
                handlers.add(handler)
                setImmediate(deliver)
              }),
              () => Effect.sync(() => handlers.delete(handler))
            )
        },
        state: holdings.state,
        simulated: {
          marketData: (seq: number, event: MarketDataEvent) => {
            if (seq > lastSeq) takeNew({ seq, event })
          },
          command: (shard: number, seq: number, command: ExecutionCommand) => {
            if (seq > (lastCommand.get(shard) ?? 0)) takeNew({ command, from: { shard, seq } })
          }
        }
      }
    }
  })
)
