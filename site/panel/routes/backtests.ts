/**
 * Backtests launched from the panel: a strategy plugin, its parameters (a form generated from its schema and decoded
 * with it), instruments and a date range of the history the panel's session (or data folder) holds. The backtest
 * runs in a local worker process (`Research.run`), so the panel's event loop stays free; its progress streams over
 * server-sent events, and once it is stored its report page (`/runs/<id>`) opens.
 *
 * Roles: quants and admins. The backtests launched are recorded in the central database (`PanelBacktests`): listed
 * after a restart as the runs are. Each panel beats for the backtests it runs every `HEARTBEAT_MS`, and settles as
 * failed the running ones whose heartbeat is older than `STALE_MS` (a panel that stopped or crashed): a second panel
 * on the same database leaves the first's alone. Their progress is in the memory of the panel that runs them (the
 * latest `KEPT`).
 */
import { Clock, Effect, Option, Schema, type Scope } from "effect"
import type { Context, Hono } from "hono"
import { streamSSE } from "hono/streaming"
import { BacktestRuns } from "../../../core/db/BacktestRuns"
import { type PanelBacktest, PanelBacktests } from "../../../core/db/PanelBacktests"
import type { Role } from "../../../core/db/PanelUsers"
import { page } from "../internal/html"
import { paramFields, paramInputs, readParams } from "../internal/paramsForm"
import { decode, field, formBody, PanelRequestError } from "../internal/request"
import { randomToken } from "../internal/tokens"
import { liveScript } from "../internal/views"
import { Research } from "../Research"
import { type Launched, launchForm, progressView } from "./backtestsViews"
import type { PanelEnv, RouteKit } from "./kit"
import { pluginOf } from "./strategiesViews"

/** Backtests that may run at once (each in a process of its own). */
export const MAX_RUNNING = 2
/** Launched backtests kept for their pages. */
export const KEPT = 50

/** How often a panel says it still runs its backtests, and settles those of panels that stopped. */
export const HEARTBEAT_MS = 5_000
/** A running backtest with no heartbeat for this long lost its panel: six beats, so a loaded machine is not one. */
export const STALE_MS = 30_000

const QUANTS: ReadonlyArray<Role> = ["admin", "quant"]

const Day = Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "is not a date (YYYY-MM-DD)" }))
const LaunchForm = Schema.Struct({
  plugin: field(200),
  instruments: field(2000),
  from: Day,
  to: Day,
  cash: Schema.String.pipe(Schema.pattern(/^\d{1,15}(\.\d{1,8})?$/, { message: () => "is not an amount, e.g. 100000" }))
})
const JobParam = Schema.Struct({
  id: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{16}$/, { message: () => "is not a backtest id" }))
})

const bad = (message: string) => new PanelRequestError({ status: 400, message })
const dayMicros = (day: string) => Date.parse(`${day}T00:00:00Z`) * 1000

/**
 * Register the backtest pages on the panel's app.
 *
 * @since 0.1.0
 */
export const registerBacktests = (
  app: Hono<PanelEnv>,
  kit: RouteKit
): Effect.Effect<void, never, PanelBacktests | Scope.Scope> =>
  Effect.gen(function* () {
    const found = yield* Effect.serviceOption(Research)
    const { handle, allow } = kit
    const store = yield* PanelBacktests
    const owner = randomToken()
    // A backtest's worker does not outlive the panel that launched it: while this panel runs, it beats for its own
    // and settles those whose panel has stopped beating.
    const beat = Effect.gen(function* () {
      const now = (yield* Clock.currentTimeMillis) * 1000
      yield* store.heartbeat(owner, now)
      yield* store.settleStale("the panel stopped before it finished", now - STALE_MS * 1000)
    }).pipe(Effect.catchAll((error) => Effect.logError("backtests' heartbeat not recorded", error)))
    yield* beat
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(HEARTBEAT_MS), beat)))
    /** The backtests this panel runs or ran, with their progress. */
    const launched = new Map<string, Launched & { readonly listeners: Set<() => void> }>()
    const research = Option.match(found, {
      onNone: () => Effect.fail(new PanelRequestError({ status: 404, message: "this panel cannot run backtests" })),
      onSome: Effect.succeed
    })
    /** A recorded backtest as its pages show it: with its progress when this panel runs it. */
    const shown = (row: PanelBacktest): Launched =>
      launched.get(row.id) ?? {
        ...row,
        done: 0,
        total: 0,
        runId: row.runId ?? undefined,
        error: row.error ?? undefined
      }
    const jobOf = (id: string) =>
      Effect.flatMap(store.find(id), (row) =>
        Option.match(row, {
          onNone: () => Effect.fail(new PanelRequestError({ status: 404, message: `no backtest ${id}` })),
          onSome: (r) => Effect.succeed(shown(r))
        })
      )

    app.get(
      "/backtests",
      allow(...QUANTS),
      handle((c) =>
        Effect.gen(function* () {
          const r = yield* research
          const [strategies, history] = yield* Effect.all([r.strategies, r.history])
          const query = yield* decode(Schema.Struct({ plugin: Schema.optional(field(200)) }))(c.req.query())
          const chosen =
            query.plugin === undefined ? strategies[0] : Option.getOrUndefined(pluginOf(strategies, query.plugin))
          if (chosen === undefined) return yield* bad(`plugin: ${query.plugin ?? "none"} is not installed`)
          const viewer = c.get("viewer")
          return c.html(
            page(
              "Backtests",
              viewer,
              launchForm(
                strategies,
                chosen,
                paramInputs(paramFields(chosen.params)),
                history,
                viewer.csrfToken,
                (yield* store.list(KEPT)).map(shown).reverse()
              )
            )
          )
        })
      )
    )

    app.post(
      "/backtests",
      allow(...QUANTS),
      handle((c) =>
        Effect.gen(function* () {
          const r = yield* research
          const fields = yield* formBody(c)
          const form = yield* decode(LaunchForm)(fields)
          const strategy = yield* Effect.flatMap(r.strategies, (list) =>
            Option.match(pluginOf(list, form.plugin), {
              onNone: () => Effect.fail(bad(`plugin: ${form.plugin} is not installed`)),
              onSome: Effect.succeed
            })
          )
          const params = readParams(paramFields(strategy.params), fields)
          const problem = yield* r.checkParams(strategy, params)
          if (problem !== undefined) return yield* bad(problem)
          const history = yield* r.history
          const instruments = form.instruments.split(/[\s,]+/).filter((s) => s !== "")
          const missing = instruments.find((id) => !history.some((h) => h.instrument === id))
          if (missing !== undefined) return yield* bad(`instruments: ${missing} has no history here`)
          const from = dayMicros(form.from)
          const to = dayMicros(form.to) + 86_400_000_000
          if (Number.isNaN(from) || Number.isNaN(to) || to <= from) return yield* bad("to: is before from")
          const running = [...launched.values()].filter((j) => j.state === "running").length
          if (running >= MAX_RUNNING) {
            return yield* new PanelRequestError({
              status: 429,
              message: `${running} backtests are running: launch this one when one of them is done`
            })
          }
          const id = randomToken().slice(0, 16)
          const job = {
            id,
            strategy: `${strategy.id} ${strategy.version}`,
            params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
            instruments,
            from,
            to,
            state: "running" as Launched["state"],
            done: 0,
            total: 0,
            runId: undefined as string | undefined,
            error: undefined as string | undefined,
            listeners: new Set<() => void>()
          }
          yield* store.launch(
            {
              id,
              strategy: job.strategy,
              params: job.params,
              instruments,
              from,
              to,
              launchedBy: c.get("viewer").name,
              launchedAt: (yield* Clock.currentTimeMillis) * 1000
            },
            owner
          )
          launched.set(id, job)
          for (const old of [...launched.keys()].slice(0, Math.max(0, launched.size - KEPT))) launched.delete(old)
          const changed = () => {
            for (const listener of job.listeners) listener()
          }
          const run = Effect.gen(function* () {
            const outcome = yield* r.run(
              { strategy, params: job.params, instruments, from, to, cash: form.cash },
              (done, total) => {
                job.done = done
                job.total = total
                changed()
              }
            )
            if (outcome._tag === "Failed") {
              job.error = outcome.error
              job.state = "failed"
              return yield* store.finish(id, { state: "failed", error: outcome.error })
            }
            const createdAt = yield* Clock.currentTimeMillis
            job.runId = yield* (yield* BacktestRuns).record({
              ...outcome.run,
              createdAt: createdAt * 1000,
              status: "completed"
            })
            job.done = job.total
            job.state = "completed"
            yield* store.finish(id, { state: "completed", runId: job.runId })
          }).pipe(
            Effect.catchAllCause((cause) =>
              Effect.zipRight(
                Effect.logError("panel backtest failed", cause),
                Effect.sync(() => {
                  job.error = "the backtest could not be stored; the panel's log has the details"
                  job.state = "failed"
                })
              )
            ),
            Effect.ensuring(Effect.sync(changed))
          )
          // Outlives the request: the page that follows watches it.
          yield* Effect.forkDaemon(run)
          return c.redirect(`/backtests/${id}`, 303)
        })
      )
    )

    app.get(
      "/backtests/:id",
      allow(...QUANTS),
      handle((c) =>
        Effect.gen(function* () {
          const { id } = yield* decode(JobParam)(c.req.param())
          const job = yield* jobOf(id)
          return c.html(
            page(
              `Backtest ${job.strategy}`,
              c.get("viewer"),
              { html: `<div id="live">${progressView(job).html}</div>` },
              liveScript(`/backtests/${id}/events`, "live")
            )
          )
        })
      )
    )

    app.get(
      "/backtests/:id/events",
      allow(...QUANTS),
      handle((c) =>
        Effect.gen(function* () {
          const { id } = yield* decode(JobParam)(c.req.param())
          // One this panel does not run (it ran in an earlier one): its fragment as recorded.
          const job = launched.get(id) ?? { ...(yield* jobOf(id)), listeners: new Set<() => void>() }
          return follow(c, job)
        })
      )
    )

    const follow = (c: Context<PanelEnv>, job: Launched & { readonly listeners: Set<() => void> }) =>
      streamSSE(c, async (stream) => {
        // At most four fragments a second, the job as it is then.
        let pending = true
        const listener = () => {
          pending = true
        }
        job.listeners.add(listener)
        stream.onAbort(() => {
          job.listeners.delete(listener)
        })
        while (!stream.aborted && !stream.closed) {
          if (pending) {
            pending = false
            // The last fragment stays: the stream stays open, so the browser does not reconnect for it again.
            await stream.writeSSE({ event: "update", data: progressView(job).html })
          }
          await stream.sleep(250)
        }
        job.listeners.delete(listener)
      })
  })
