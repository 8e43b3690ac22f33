/**
 * Keeps the NAV history of every account of the running session (`NavHistory`, in the central database): a sample
 * of each account's NAV from the Accounts Service every `everyMs` and after each deposit or withdrawal, and each
 * deposit and withdrawal of the account events (replayed from the first retained event at start; one stored before
 * is stored once). Runs for as long as its scope, in the process that serves the portal; without a session it does
 * nothing. A failed sample or write is logged and the next one goes on.
 *
 * @since 0.1.0
 */
import { Effect, Option, Queue, Schedule, Schema, type Scope } from "effect"
import { NavHistory } from "../../core/db/NavHistory"
import { CashChanged } from "../../core/domain/Events"
import { AccountsDesk, type AccountsDeskService } from "./AccountsDesk"

/** A sample every minute by default: 1,440 rows a day per account, read back hourly. */
export const SAMPLE_EVERY_MS = 60_000

type Work = { readonly _tag: "Sample" } | { readonly _tag: "Flow"; readonly event: typeof CashChanged.Type }

const decodeCash = Schema.decodeUnknownOption(CashChanged)

/**
 * @since 0.1.0
 * @category constructors
 */
export const run = (options: {
  readonly everyMs: number
}): Effect.Effect<void, never, AccountsDesk | NavHistory | Scope.Scope> =>
  Effect.flatMap(AccountsDesk, (desk) => (Option.isNone(desk) ? Effect.void : follow(desk.value, options.everyMs)))

const follow = (desk: AccountsDeskService, everyMs: number) =>
  Effect.gen(function* () {
    const history = yield* NavHistory
    const work = yield* Queue.unbounded<Work>()
    const decimals = new Map<string, number>()
    const sample = Effect.gen(function* () {
      const values = yield* desk.values()
      for (const [code, digits] of Object.entries(values.decimals)) decimals.set(code, digits)
      for (const a of values.accounts) {
        // Time 0: the service has had no input yet, so there is no history to start.
        if (a.ts === 0) continue
        yield* history.recordSample(a.accountId, {
          ts: a.ts,
          nav: a.nav,
          currency: a.baseCurrency,
          decimals: values.decimals[a.baseCurrency] ?? 2
        })
      }
    })
    const flow = (event: typeof CashChanged.Type) =>
      Effect.gen(function* () {
        if (!decimals.has(event.currency)) yield* sample
        yield* history.recordFlow(event.accountId, {
          sequence: event.sequence,
          ts: event.ts,
          amount: event.amount,
          currency: event.currency,
          decimals: decimals.get(event.currency) ?? 2
        })
        yield* sample
      })
    yield* Effect.acquireRelease(
      Effect.sync(() =>
        desk.followEvents((_, value) => {
          const event = decodeCash(value)
          if (Option.isSome(event) && (event.value.reason === "deposit" || event.value.reason === "withdrawal")) {
            Queue.unsafeOffer(work, { _tag: "Flow", event: event.value })
          }
        })
      ),
      (stop) => Effect.sync(stop)
    )
    yield* Effect.forkScoped(Effect.repeat(Queue.offer(work, { _tag: "Sample" }), Schedule.spaced(`${everyMs} millis`)))
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.flatMap(Queue.take(work), (item) =>
          (item._tag === "Sample" ? sample : flow(item.event)).pipe(
            Effect.catchAll((e) =>
              Effect.logWarning("NAV history not updated").pipe(Effect.annotateLogs({ reason: e.message }))
            )
          )
        )
      )
    )
  })
