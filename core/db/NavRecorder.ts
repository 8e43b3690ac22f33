/**
 * Records each account's NAV history (`NavHistory`) where the accounts run: the process that runs a session
 * (`meridian up`, panel or not) follows its Accounts Service for as long as the session runs, so the history has
 * every period the accounts were live — not only the periods a Control Panel was open.
 *
 * What it stores, at the Accounts Service's time (the feed's time in a replayed session):
 * - the service's NAV marks (`NavMarks`, from the first one it retains): each account's NAV at the end of every
 *   hour of the service's clock in which it changed, and just after each deposit or withdrawal. The service derives
 *   them from its inputs, so they are exact however fast a replay runs;
 * - every deposit and withdrawal, from the account events replayed from the first one the service retains (one
 *   stored before is stored once);
 * - the latest NAV, sampled every `everyMs`: stored when an account is first seen, at least every `flushMs` of wall
 *   time (so that the hour under way shows in the portal while it lasts, before its mark), and when the recorder
 *   stops (the session ends), which the hour the last input fell in ends with.
 *
 * While the service does not run, nothing changes the NAV, so the portal carries the last one forward.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Option, Queue, Schema, type Scope } from "effect"
import { CashChanged } from "../domain/Events"
import type { AccountValues } from "../live/accounts/AccountValues"
import { NavMark } from "../live/accounts/NavMarks"
import type { NavHistoryService, NavSample } from "./NavHistory"

/**
 * What the recorder reads from the Accounts Service (the Client Portal's `AccountsDesk` is one).
 *
 * @since 0.1.0
 * @category models
 */
export interface NavSource<E> {
  readonly values: () => Effect.Effect<AccountValues, E>
  /** Follow the account events from the first one retained; returns the function that stops. */
  readonly followEvents: (onEvent: (seq: number, event: unknown) => void) => () => void
  /** Follow the NAV marks from the first one retained; returns the function that stops. */
  readonly followNavs: (onMark: (seq: number, mark: unknown) => void) => () => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NavRecorderOptions {
  /** How often the service is sampled (default 1 s). */
  readonly everyMs?: number
  /** The latest sample is stored at least this often (default 60 s). */
  readonly flushMs?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NavRecorder {
  /** Sample every account now (the background loop does it every `everyMs`). */
  readonly sample: Effect.Effect<void>
}

const decodeCash = Schema.decodeUnknownOption(CashChanged)
const decodeMark = Schema.decodeUnknownOption(NavMark)

type Work =
  | { readonly _tag: "Sample"; readonly done?: () => void }
  | { readonly _tag: "Flow"; readonly event: typeof CashChanged.Type }
  | { readonly _tag: "Mark"; readonly mark: NavMark }

/**
 * Start recording into `history` from `source` until the scope closes (then the latest samples are stored). A failed
 * sample or write is logged and the next one goes on.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = <E extends { readonly message: string }>(
  source: NavSource<E>,
  history: NavHistoryService,
  options: NavRecorderOptions = {}
): Effect.Effect<NavRecorder, never, Scope.Scope> =>
  Effect.gen(function* () {
    const everyMs = options.everyMs ?? 1_000
    const flushMs = options.flushMs ?? 60_000
    const work = yield* Queue.unbounded<Work>()
    const decimals = new Map<string, number>()
    /** Per account: the latest sample not stored yet, and the wall time (ms) of its last store. */
    const pending = new Map<string, NavSample>()
    const storedAt = new Map<string, number>()

    const store = (accountId: string) =>
      Effect.gen(function* () {
        const sample = pending.get(accountId)
        if (sample === undefined) return
        yield* history.recordSample(accountId, sample)
        pending.delete(accountId)
        storedAt.set(accountId, yield* Clock.currentTimeMillis)
      })

    const sample = (storeAll: boolean) =>
      Effect.gen(function* () {
        const values = yield* source.values()
        const now = yield* Clock.currentTimeMillis
        for (const [code, digits] of Object.entries(values.decimals)) decimals.set(code, digits)
        for (const a of values.accounts) {
          // Time 0: the service has had no input yet, so there is no history to start.
          if (a.ts === 0) continue
          pending.set(a.accountId, {
            ts: a.ts,
            nav: a.nav,
            currency: a.baseCurrency,
            decimals: values.decimals[a.baseCurrency] ?? 2
          })
          const first = !storedAt.has(a.accountId)
          if (storeAll || first || now - storedAt.get(a.accountId)! >= flushMs) yield* store(a.accountId)
        }
      })

    const flow = (event: typeof CashChanged.Type) =>
      Effect.gen(function* () {
        if (!decimals.has(event.currency)) yield* sample(false)
        yield* history.recordFlow(event.accountId, {
          sequence: event.sequence,
          ts: event.ts,
          amount: event.amount,
          currency: event.currency,
          decimals: decimals.get(event.currency) ?? 2
        })
      })

    const mark = (m: NavMark) =>
      Effect.suspend(() => {
        decimals.set(m.currency, m.decimals)
        return history.recordSample(m.accountId, { ts: m.ts, nav: m.nav, currency: m.currency, decimals: m.decimals })
      })

    const logged = <A, R>(effect: Effect.Effect<A, E | { readonly message: string }, R>) =>
      Effect.catchAll(effect, (e) =>
        Effect.logWarning("NAV history not updated").pipe(Effect.annotateLogs({ reason: e.message }))
      )

    yield* Effect.acquireRelease(
      Effect.sync(() =>
        source.followEvents((_, value) => {
          const event = decodeCash(value)
          if (Option.isSome(event) && (event.value.reason === "deposit" || event.value.reason === "withdrawal")) {
            Queue.unsafeOffer(work, { _tag: "Flow", event: event.value })
          }
        })
      ),
      (stop) => Effect.sync(stop)
    )
    yield* Effect.acquireRelease(
      Effect.sync(() =>
        source.followNavs((_, value) => {
          const decoded = decodeMark(value)
          if (Option.isSome(decoded)) Queue.unsafeOffer(work, { _tag: "Mark", mark: decoded.value })
        })
      ),
      (stop) => Effect.sync(stop)
    )
    // Released after the loop below stops (scopes close in reverse): the session's last NAV is stored, unless the
    // service is already gone (a panel outliving its session), which must not hold up the shutdown.
    yield* Effect.addFinalizer(() => logged(Effect.timeout(sample(true), "2 seconds")))
    // One sample at a time: the next is asked for once the last is stored, so a slow database does not pile them up.
    const requestSample = Effect.async<void>((resume) => {
      Queue.unsafeOffer(work, { _tag: "Sample", done: () => resume(Effect.void) })
    })
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(requestSample, Effect.sleep(everyMs))))
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.flatMap(Queue.take(work), (item) =>
          item._tag === "Sample"
            ? Effect.ensuring(
                logged(sample(false)),
                Effect.sync(() => item.done?.())
              )
            : logged(item._tag === "Flow" ? flow(item.event) : mark(item.mark))
        )
      )
    )
    return { sample: requestSample }
  })
