/**
 * The Control Panel and the Client Portal of `meridian up --panel` (what `npm start` runs): served from the session's
 * own process, on the central database the options choose (by default the embedded one in `.meridian/db`), over the
 * session as it starts, so that the live page and the portal's NAV history follow it from its first event; the demo
 * login made on the first start; and, once the replay is through, each strategy instance of the session backtested
 * on the history it replayed and stored with the other runs, so that its report opens in the panel.
 *
 * @since 0.1.0
 */
import { join, resolve } from "node:path"
import type { FileSystem, Path } from "@effect/platform"
import { Clock, Console, Effect, Layer, Option, type Scope } from "effect"
import { BacktestRuns } from "../../core/db/BacktestRuns"
import type { DatabaseChoice } from "../../core/db/DatabaseChoice"
import type { SessionFile } from "../../core/live/session/SessionFile"
import * as PanelDemoLogin from "./PanelDemoLogin"
import { type Addresses, type DatabaseServices, databaseServices, type Served, servePanel } from "./PanelHandlers"
import type { SessionFolder } from "./SessionFolder"

/** A panel served for a session, with the database it uses. */
export interface SessionPanel {
  readonly served: Served
  /** `effect` on the panel's database. */
  readonly run: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, Exclude<R, DatabaseServices>>
}

/**
 * The panel's database, open until the scope closes. Opened before the session's Accounts Service starts: its
 * projector then finds this process owning the embedded database and the schema migrated (two openers migrating an
 * empty database at once collide).
 */
export const openDatabase = (o: DatabaseChoice) =>
  Effect.map(Layer.build(databaseServices(o)), (context) => ({
    context,
    run: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, context)
  }))

/** Serve the panel and the portal over `session` until the scope closes; print where, and the demo login. */
export const start = (
  o: DatabaseChoice & Addresses,
  database: Effect.Effect.Success<ReturnType<typeof openDatabase>>,
  session: SessionFolder,
  file: SessionFile
): Effect.Effect<SessionPanel, unknown, Scope.Scope | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const { run } = database
    const served = yield* run(servePanel(o, Option.some(session), true))
    const login = yield* run(PanelDemoLogin.ensure(resolve(join(o.dbDir, ".."), "demo-login.json"), file.account.id))
    const password = Option.match(login.password, {
      onNone: () => ` (its password was not kept: ${login.file} is missing; add a user with meridian user add)`,
      onSome: (p) => (login.created ? `, password: ${p}` : ` (password kept in ${login.file})`)
    })
    yield* Console.log(
      [
        `Control Panel  ${served.panel}  login ${login.name}${password}`,
        ...Option.match(served.portal, {
          onNone: () => [],
          onSome: (url) => [
            `Client Portal  ${url}  login ${login.investor} (account ${file.account.id}), same password`
          ]
        }),
        ...(login.created ? [`  (the demo login is kept in ${login.file}, readable by you only)`] : [])
      ].join("\n")
    )
    return { served, run }
  })

/**
 * Each strategy instance of the session backtested on the history and range it replayed, stored as a run; prints
 * each run's report page. A backtest that cannot run says why; the session goes on.
 */
export const backtestSession = (panel: SessionPanel, file: SessionFile) =>
  Effect.gen(function* () {
    const lab = panel.served.research
    const installed = yield* lab.strategies
    const history = yield* lab.history
    const series = history.filter((h) => (file.instruments as ReadonlyArray<string>).includes(h.instrument))
    const from = file.from === undefined ? Math.min(...series.map((h) => h.firstTs)) : Date.parse(file.from) * 1000
    const to = file.to === undefined ? Math.max(...series.map((h) => h.lastTs)) + 1 : Date.parse(file.to) * 1000
    for (const instance of file.strategies) {
      const strategy = installed.find((s) => s.id === instance.strategy || s.id === `strategy-${instance.strategy}`)
      if (strategy === undefined) {
        yield* Console.log(`  ${instance.id}: no report (${instance.strategy} is not installed here)`)
        continue
      }
      const params = Object.fromEntries(Object.entries(instance.params ?? {}).map(([k, v]) => [k, String(v)]))
      const outcome = yield* lab.run(
        { strategy, params, instruments: file.instruments, from, to, cash: file.account.deposit },
        () => {}
      )
      if (outcome._tag === "Failed") {
        yield* Console.log(`  ${instance.id}: no report (the backtest failed: ${outcome.error})`)
        continue
      }
      const createdAt = (yield* Clock.currentTimeMillis) * 1000
      const id = yield* panel.run(
        Effect.flatMap(BacktestRuns, (runs) => runs.record({ ...outcome.run, createdAt, status: "completed" }))
      )
      yield* Console.log(`  ${instance.id} as a backtest of the same bars: ${panel.served.panel}runs/${id}`)
    }
  })
