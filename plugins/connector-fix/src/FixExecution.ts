/**
 * The FIX 4.4 connector behind the `Execution` port: orders go out as NewOrderSingle, OrderCancelRequest and
 * OrderCancelReplaceRequest on an initiator session; ExecutionReports come back as the domain's reports. The store
 * file (`internal/journal.ts`) carries sequence numbers and the sent-order ledger across crashes, so that a restart
 * resumes the session and never sends an order twice. An optional drop-copy session receives the venue's copies of
 * the same ExecutionReports, read-only, and `stats` reconciles the two by ExecID.
 *
 * @since 0.1.0
 */
import type { ExecutionCommand, ExecutionReport } from "@meridian/core/domain/Commands"
import type { InstrumentSpecs } from "@meridian/core/domain/InstrumentSpec"
import type { Order } from "@meridian/core/domain/Order"
import { timestamp, timestampFromDate } from "@meridian/core/domain/Units"
import type { VenueState } from "@meridian/core/live/execution/VenueState"
import { Execution, type ExecutionService } from "@meridian/core/services/Execution"
import { Duration, Effect, Layer, Redacted, type Scope } from "effect"
import { type DropCopyConfig, type FixConfig, FixError } from "./FixConfig"
import {
  type Engine,
  type FixPeer,
  type MsgView,
  RetainedStore,
  SessionId,
  start,
  type UnsentMessage
} from "./FixEngine"
import * as FixInstruments from "./FixInstruments"
import * as FixVenueState from "./FixVenueState"
import { newOrderSingle, orderCancelReplaceRequest, orderCancelRequest, unsupported } from "./internal/fixOrder"
import { mapExecutionReport } from "./internal/fixReport"
import { Journal } from "./internal/journal"

/** What the connector counts; `badInput` is every message or frame from the venue that was dropped or rejected. */
export interface FixStats {
  readonly loggedOn: boolean
  readonly badInput: number
  /** Retransmitted ExecutionReports (PossDupFlag) whose ExecID was already delivered. */
  readonly duplicateReports: number
  readonly cancelRejects: number
  readonly businessRejects: number
  readonly dropCopy?: DropCopyReconciliation
}

/** Execution reports by ExecID on both sessions. */
export interface DropCopyReconciliation {
  readonly loggedOn: boolean
  readonly matched: number
  /** Seen on the drop copy only (so far). */
  readonly missingOnMain: number
  /** Seen on the main session only (so far). */
  readonly missingOnDropCopy: number
  /** The same ExecID with a different ExecType, quantity, price or status. */
  readonly mismatched: number
}

export interface FixExecution {
  readonly execution: ExecutionService
  /** What the venue holds, asked of it over FIX 4.4 for reconciliation on start (see `FixVenueState`). */
  readonly state: VenueState
  readonly stats: () => FixStats
}

export interface FixOptions {
  /** Where warnings go (one line each; never a message's content, so never a password). Default: stderr. */
  readonly log?: (line: string) => void
}

/** What the reconciliation compares of one execution. */
/** OrdStatus of an order that is done: filled, canceled, rejected, expired. */
const DONE = new Set(["2", "4", "8", "C"])

const digest = (view: MsgView): string => [150, 39, 32, 31, 14, 151].map((tag) => view.getString(tag) ?? "").join("|")

const openJournal = (file: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => new Journal(file),
      catch: (e) => new FixError({ reason: "Store", message: `store file ${file}: ${String(e)}` })
    }),
    (journal) => Effect.sync(() => journal.close())
  )

/**
 * One session kept up: it connects, and after a drop connects again (after a second) until the scope closes.
 * `store` and `journal` outlive the connections.
 */
const keepSession = (
  description: {
    readonly host: string
    readonly port: number
    readonly senderCompId: string
    readonly targetCompId: string
    readonly username?: string | undefined
    readonly password: Redacted.Redacted<string>
    readonly heartbeatSeconds: number
  },
  journal: Journal,
  handlers: {
    readonly onReady: (peer: FixPeer) => void
    readonly onApplication: (peer: FixPeer, msgType: string, view: MsgView) => void
    readonly onBadInput: (reason: string) => void
    readonly onDown: (unsent: ReadonlyArray<UnsentMessage>) => void
  },
  log: (line: string) => void
) =>
  Effect.gen(function* () {
    const store = new RetainedStore(new SessionId("FIX.4.4", description.senderCompId, description.targetCompId), {
      onSent: (seq, type, fields) => journal.sent(seq, type, fields)
    })
    for (const m of journal.lastSent) store.restore(m.seq, m.type, m.fields)
    journal.lastSent = []
    store.senderSeqNum = journal.nextSenderSeq
    store.restoreReceived(journal.nextReceived, journal.receivedAbove)
    journal.expected = () => store.targetSeqNum
    let closed = false
    let engine: Engine | undefined
    let peer: FixPeer | undefined
    const connect = (): void => {
      if (closed) return
      engine = start(
        {
          role: "initiator",
          host: description.host,
          port: description.port,
          senderCompId: description.senderCompId,
          targetCompId: description.targetCompId,
          ...(description.username === undefined ? {} : { username: description.username }),
          password: Redacted.value(description.password),
          heartbeatSeconds: description.heartbeatSeconds
        },
        {
          store: () => store,
          onBeforeSend: (seq) => journal.reserve(seq),
          onReady: (p) => {
            peer = p
            handlers.onReady(p)
          },
          onApplication: handlers.onApplication,
          onBadInput: (_, reason) => handlers.onBadInput(reason),
          onStopped: (_, __, unsent) => {
            peer = undefined
            handlers.onDown(unsent)
          }
        },
        (level, message) => log(`fix ${description.senderCompId}->${description.targetCompId} ${level}: ${message}`)
      )
      const current = engine
      void current.done.then(() => {
        if (!closed && engine === current) setTimeout(connect, 1_000)
      })
    }
    yield* Effect.acquireRelease(Effect.sync(connect), () =>
      Effect.gen(function* () {
        closed = true
        const p = peer
        if (p !== undefined) {
          p.logout()
          // The venue confirms the Logout; give it a moment, bounded.
          yield* Effect.promise(() => engine!.done).pipe(Effect.timeout(Duration.seconds(2)), Effect.ignore)
        }
        engine?.stop()
      })
    )
    return { peer: () => peer }
  })

/** The connector: log on, and serve the `Execution` port until the scope closes (which logs out). */
export const make = (
  config: FixConfig,
  specs: InstrumentSpecs,
  options: FixOptions = {}
): Effect.Effect<FixExecution, FixError, Scope.Scope> =>
  Effect.gen(function* () {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
    const instruments = FixInstruments.make(specs)
    const journal = yield* openJournal(config.storeFile)
    const handlers = new Set<(report: ExecutionReport) => void>()
    const counts = { badInput: 0, duplicateReports: 0, cancelRejects: 0, businessRejects: 0 }
    const emit = (report: ExecutionReport): void => {
      for (const handler of handlers) handler(report)
    }
    const bad = (reason: string): void => {
      counts.badInput++
      log(`fix ${config.senderCompId}: bad venue input: ${reason}`)
    }
    /** Commands that came while the session was down, sent in order once it is up. */
    const waiting: Array<ExecutionCommand> = []
    /** Messages the last session took and never encoded (never on the wire): first out on the next session. */
    const unsent: Array<UnsentMessage> = []
    const mainExecs = new Map<string, string>()

    const reject = (order: Order, ts: number, message: string): void =>
      emit({ _tag: "VenueRejected", accountId: order.accountId, orderId: order.orderId, ts: timestamp(ts), message })

    const send = (peer: FixPeer, command: ExecutionCommand) => {
      switch (command._tag) {
        case "VenueSubmit": {
          const order = command.order
          // The ledger is the promise: an order in it went out (or goes out below, with PossResend) exactly once.
          if (journal.orders.has(order.orderId)) return
          const spec = instruments.byId(order.instrumentId)
          if (spec === undefined) return reject(order, command.ts, `unknown instrument ${order.instrumentId}`)
          const why = unsupported(order)
          if (why !== undefined) return reject(order, command.ts, why)
          journal.order({ clOrdId: order.orderId, order })
          peer.sendApp(
            "D",
            newOrderSingle(spec, order, order.orderId, config.account, new Date(command.ts / 1000), false)
          )
          return
        }
        case "VenueCancel":
        case "VenueReplace": {
          const entry = journal.orders.get(command.orderId)
          // An order this session never sent is not at the venue: nothing to cancel or change.
          if (entry === undefined) return
          const spec = instruments.byId(entry.order.instrumentId)!
          const origClOrdId = journal.current.get(command.orderId) ?? entry.clOrdId
          const clOrdId = `${command.orderId}.${journal.clOrdIds.size}`
          journal.clOrdId(clOrdId, command.orderId)
          const at = new Date(command.ts / 1000)
          if (command._tag === "VenueCancel") {
            peer.sendApp("F", orderCancelRequest(spec, entry.order, origClOrdId, clOrdId, at))
          } else {
            peer.sendApp(
              "G",
              orderCancelReplaceRequest(spec, entry.order, origClOrdId, clOrdId, command, config.account, at)
            )
          }
          return
        }
      }
    }

    let mainPeer: () => FixPeer | undefined = () => undefined
    const queries = new FixVenueState.FixQueries(() => mainPeer(), Duration.seconds(10))

    const onExecutionReport = (view: MsgView, seq: number) => {
      // An order status of a mass status answer: it tells, it changes nothing, and its ExecID is not a live one.
      if (view.getString(584) !== null) {
        queries.onOrderStatus(view)
        return journal.received(seq, undefined)
      }
      const execId = view.getString(17)
      if (execId === null) {
        bad(`ExecutionReport ${seq} has no ExecID`)
        return journal.received(seq, undefined)
      }
      if (journal.execIds.has(execId)) {
        counts.duplicateReports++
        return
      }
      mainExecs.set(execId, digest(view))
      const orderId = journal.clOrdIds.get(view.getString(11) ?? "") ?? journal.clOrdIds.get(view.getString(41) ?? "")
      const entry = orderId === undefined ? undefined : journal.orders.get(orderId)
      if (entry === undefined) {
        bad(`ExecutionReport ${execId} names ClOrdID ${view.getString(11)} that this session never sent`)
        return journal.received(seq, execId)
      }
      const spec = instruments.byId(entry.order.instrumentId)!
      const mapped = mapExecutionReport(view, spec, { accountId: entry.order.accountId, orderId: entry.order.orderId })
      if (mapped._tag === "Invalid") bad(`ExecutionReport ${execId}: ${mapped.reason}`)
      if (mapped._tag === "Report") emit(mapped.report)
      journal.received(seq, execId)
    }

    /**
     * OrderCancelReject (9): the cancel or replace is refused and the order lives on. It goes to the Accounts Service
     * as `VenueRejected`, which for an order with a cancel or replace in flight is the rejection of that request
     * (the order stays working); the message says which request. One about an order already done (OrdStatus
     * filled, canceled, rejected, expired: too late) is only counted: that order's own reports tell its end.
     */
    const onCancelReject = (view: MsgView, seq: number) => {
      counts.cancelRejects++
      const request = view.getString(434) === "2" ? "replace" : "cancel"
      const reason = view.getString(58) ?? `CxlRejReason ${view.getString(102) ?? "?"}`
      log(`fix ${config.senderCompId}: ${request} ${view.getString(11)} refused: ${reason}`)
      const orderId = journal.clOrdIds.get(view.getString(41) ?? "") ?? journal.clOrdIds.get(view.getString(11) ?? "")
      const entry = orderId === undefined ? undefined : journal.orders.get(orderId)
      // TransactTime is optional in an OrderCancelReject: without it, when it arrived.
      const at = view.getTyped(60)
      if (entry !== undefined && !DONE.has(view.getString(39) ?? "")) {
        emit({
          _tag: "VenueRejected",
          accountId: entry.order.accountId,
          orderId: entry.order.orderId,
          ts: timestampFromDate(at instanceof Date ? at : new Date()),
          message: `${request} refused by the venue: ${reason}`
        })
      }
      journal.received(seq, undefined)
    }

    const main = yield* keepSession(
      { ...config, host: config.host },
      journal,
      {
        onReady: (peer) => {
          // Orders of an earlier run that may never have left: once more, flagged PossResend so the venue matches
          // them by ClOrdID instead of trading them twice.
          for (const clOrdId of [...journal.unconfirmed]) {
            const entry = journal.orders.get(journal.clOrdIds.get(clOrdId)!)!
            const spec = instruments.byId(entry.order.instrumentId)!
            peer.sendApp(
              "D",
              newOrderSingle(spec, entry.order, clOrdId, config.account, new Date(entry.order.createdAt / 1000), true)
            )
          }
          journal.unconfirmed.clear()
          for (const m of unsent.splice(0)) peer.sendApp(m.msgType, m.body)
          for (const command of waiting.splice(0)) send(peer, command)
        },
        onApplication: (_, msgType, view) => {
          const seq = view.getTyped(34) as number
          switch (msgType) {
            case "8":
              return onExecutionReport(view, seq)
            case "AQ":
              queries.onTradeAck(view)
              return journal.received(seq, undefined)
            case "AE":
              queries.onTrade(view)
              return journal.received(seq, undefined)
            case "9":
              return onCancelReject(view, seq)
            case "j":
              counts.businessRejects++
              log(`fix ${config.senderCompId}: business reject of ${view.getString(372)}: ${view.getString(58) ?? ""}`)
              return journal.received(seq, undefined)
            default:
              bad(`unexpected application message type ${msgType}`)
              return journal.received(seq, undefined)
          }
        },
        onBadInput: bad,
        onDown: (taken) => unsent.push(...taken)
      },
      log
    )

    mainPeer = main.peer

    const dropCopy = config.dropCopy === undefined ? undefined : yield* startDropCopy(config, config.dropCopy, bad, log)

    const execution: ExecutionService = {
      execute: (command) => {
        const peer = main.peer()
        if (peer === undefined || waiting.length > 0) waiting.push(command)
        else send(peer, command)
      },
      reports: (handler) =>
        Effect.acquireRelease(
          Effect.sync(() => handlers.add(handler)),
          () => Effect.sync(() => handlers.delete(handler))
        ).pipe(Effect.asVoid)
    }

    const stats = (): FixStats => ({
      loggedOn: main.peer() !== undefined,
      ...counts,
      ...(dropCopy === undefined ? {} : { dropCopy: dropCopy.reconcile(mainExecs) })
    })
    return { execution, state: FixVenueState.make(queries, journal, instruments, log), stats }
  })

/** The read-only drop-copy session: it sends nothing but session messages, and remembers what it was told. */
const startDropCopy = (
  config: FixConfig,
  dc: DropCopyConfig,
  bad: (reason: string) => void,
  log: (line: string) => void
) =>
  Effect.gen(function* () {
    const journal = yield* openJournal(dc.storeFile)
    const copies = new Map<string, string>()
    const session = yield* keepSession(
      {
        host: dc.host ?? config.host,
        port: dc.port ?? config.port,
        senderCompId: dc.senderCompId,
        targetCompId: dc.targetCompId,
        username: dc.username,
        password: dc.password,
        heartbeatSeconds: config.heartbeatSeconds
      },
      journal,
      {
        onReady: () => {},
        onApplication: (_, msgType, view) => {
          const seq = view.getTyped(34) as number
          const execId = msgType === "8" ? view.getString(17) : null
          if (execId !== null) copies.set(execId, digest(view))
          else bad(`drop copy: unexpected message type ${msgType}`)
          journal.received(seq, execId ?? undefined)
        },
        onBadInput: (reason) => bad(`drop copy: ${reason}`),
        onDown: () => {}
      },
      log
    )
    const reconcile = (main: ReadonlyMap<string, string>): DropCopyReconciliation => {
      let matched = 0
      let mismatched = 0
      let missingOnDropCopy = 0
      for (const [execId, d] of main) {
        const copy = copies.get(execId)
        if (copy === undefined) missingOnDropCopy++
        else if (copy === d) matched++
        else mismatched++
      }
      let missingOnMain = 0
      for (const execId of copies.keys()) if (!main.has(execId)) missingOnMain++
      return { loggedOn: session.peer() !== undefined, matched, mismatched, missingOnMain, missingOnDropCopy }
    }
    return { reconcile }
  })

/** `Execution` over FIX 4.4 (`layer` in the port-and-providers naming). */
export const layer = (
  config: FixConfig,
  specs: InstrumentSpecs,
  options?: FixOptions
): Layer.Layer<Execution, FixError> =>
  Layer.scoped(
    Execution,
    Effect.map(make(config, specs, options), (fix) => fix.execution)
  )
