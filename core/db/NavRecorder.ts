/**
 * Records each account's NAV history (`NavHistory`) where the accounts run: the process that runs a session
 * (`meridian up`, panel or not) follows its Accounts Service for as long as the session runs, so the history has
 * every period the accounts were live — not only the periods a Control Panel was open.
 *
 * What it stores, at the Accounts Service's time (the feed's time in a replayed session):
 * - the end of each hour: of the samples taken in an hour, the last one is stored once the service's time has passed
 *   into a later hour; and the latest one at least every `flushMs` of wall time, so that a long hour is not missing
 *   from the portal while it lasts. It samples every `everyMs`, and every `fastEveryMs` while the service's time
 *   passes an hour between two samples (a replay), so that a fast replay leaves few hours unsampled;
 * - every deposit and withdrawal, from the account events replayed from the first one the service retains (one
 *   stored before is stored once), each followed by a sample;
 * - the latest sample when the recorder stops (the session ends).
 *
 * The NAV between two samples is not known here: the engine marks positions with each price, and marks are not
 * events. While the service does not run, nothing changes the NAV, so the portal carries the last one forward. A
 * replay faster than `fastEveryMs` per hour of its time leaves hours unsampled: their change lands in the next sample.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Option, Queue, Schema, type Scope } from "effect"
import { CashChanged } from "../domain/Events"
import type { AccountValues } from "../live/accounts/AccountValues"
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
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NavRecorderOptions {
  /** How often the service is sampled (default 1 s). */
  readonly everyMs?: number
  /** How often while its time passes an hour between two samples (default 50 ms). */
  readonly fastEveryMs?: number
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

const HOUR_US = 3_600_000_000
const decodeCash = Schema.decodeUnknownOption(CashChanged)

type Work =
  | { readonly _tag: "Sample"; readonly done?: () => void }
  | { readonly _tag: "Flow"; readonly event: typeof CashChanged.Type }

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
    const fastEveryMs = options.fastEveryMs ?? 50
    /** Whether the latest sample found the service's time in a later hour than the one before (a replay runs). */
    let fast = false
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
        fast = false
        for (const a of values.accounts) {
          // Time 0: the service has had no input yet, so there is no history to start.
          if (a.ts === 0) continue
          const before = pending.get(a.accountId)
          // The last sample of an hour the service's time has left is that hour's end.
          if (before !== undefined && Math.floor(before.ts / HOUR_US) !== Math.floor(a.ts / HOUR_US)) {
            fast = true
            yield* store(a.accountId)
          }
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
        // The NAV just after the flow, so that the flow is netted from the interval it falls in.
        yield* sample(true)
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
    // Released after the loop below stops (scopes close in reverse): the session's last NAV is stored, unless the
    // service is already gone (a panel outliving its session), which must not hold up the shutdown.
    yield* Effect.addFinalizer(() => logged(Effect.timeout(sample(true), "2 seconds")))
    // One sample at a time: the next is asked for once the last is stored, so a slow database does not pile them up.
    const requestSample = Effect.async<void>((resume) => {
      Queue.unsafeOffer(work, { _tag: "Sample", done: () => resume(Effect.void) })
    })
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.zipRight(
          requestSample,
          Effect.suspend(() => Effect.sleep(fast ? fastEveryMs : everyMs))
        )
      )
    )
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.flatMap(Queue.take(work), (item) =>
          item._tag === "Sample"
            ? Effect.ensuring(
                logged(sample(false)),
                Effect.sync(() => item.done?.())
              )
            : logged(flow(item.event))
        )
      )
    )
    return { sample: requestSample }
  })
