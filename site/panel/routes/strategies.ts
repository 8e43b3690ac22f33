/**
 * The strategies pages: the strategy plugins installed where the panel runs (versions, parameters), a deployment's
 * form generated from the plugin's parameter schema, and the session's strategy instances — state, orders sent,
 * last event, latest log lines — updated live over server-sent events, with their start and stop buttons.
 *
 * Roles: every staff role sees them; quants and admins deploy; operators and admins start and stop.
 */
import { Effect, Option, Runtime, Schedule, Schema } from "effect"
import type { Hono } from "hono"
import { streamSSE } from "hono/streaming"
import type { Role } from "../../../core/db/PanelUsers"
import { DeploymentRefused, DeployRequest } from "../../../core/live/strategies/Deployments"
import { errorPage, page } from "../internal/html"
import { paramFields, paramInputs, readParams } from "../internal/paramsForm"
import { decode, field, formBody, PanelRequestError } from "../internal/request"
import { liveScript } from "../internal/views"
import { Research } from "../Research"
import { SessionStrategies } from "../SessionStrategies"
import type { PanelEnv, RouteKit } from "./kit"
import { deployForm, deploymentsTable, installedTable, pluginOf } from "./strategiesViews"

/** How often the deployments' table is asked for, ms. */
export const DEPLOYMENTS_EVERY_MS = 1_000

/**
 * How long a page waits for the Strategies Service's list before it renders without it, ms: a busy service (a
 * session starting, a replay at full speed) answers within its own 30 s, and the page's live stream brings the
 * table when it does; the installed plugins and the deploy form do not wait for it.
 */
export const FIRST_LIST_MS = 2_000

const STAFF: ReadonlyArray<Role> = ["admin", "operator", "quant"]
const DEPLOYERS: ReadonlyArray<Role> = ["admin", "quant"]
const OPERATORS: ReadonlyArray<Role> = ["admin", "operator"]

const PluginQuery = Schema.Struct({ plugin: field(200) })
const DeployForm = Schema.Struct({
  plugin: field(200),
  id: field(100),
  account: field(100),
  instruments: Schema.optional(Schema.String.pipe(Schema.maxLength(2000)))
})
const InstanceParam = Schema.Struct({ id: field(48) })

const refused = (e: { readonly message: string }) => new PanelRequestError({ status: 400, message: e.message })
const unavailable = (what: string) => new PanelRequestError({ status: 404, message: what })

/**
 * Register the strategies pages on the panel's app.
 *
 * @since 0.1.0
 */
export const registerStrategies = (app: Hono<PanelEnv>, kit: RouteKit) =>
  Effect.gen(function* () {
    const research = yield* Effect.serviceOption(Research)
    const session = yield* Effect.serviceOption(SessionStrategies)
    const runtime = yield* Effect.runtime<never>()
    const { handle, allow } = kit

    const installed = Option.match(research, {
      onNone: () => Effect.succeed([]),
      onSome: (r) => r.strategies
    })
    const plugin = (name: string) =>
      Effect.flatMap(installed, (list) =>
        Option.match(pluginOf(list, name), {
          onNone: () =>
            Effect.fail(new PanelRequestError({ status: 400, message: `plugin: ${name} is not installed` })),
          onSome: Effect.succeed
        })
      )
    const sessionOrFail = Option.match(session, {
      onNone: () => Effect.fail(unavailable("no running session: start one with meridian up")),
      onSome: Effect.succeed
    })

    app.get(
      "/strategies",
      allow(...STAFF),
      handle((c) =>
        Effect.gen(function* () {
          const viewer = c.get("viewer")
          const list = yield* installed
          const canDeploy = viewer.roles.some((r) => DEPLOYERS.includes(r)) && Option.isSome(session)
          const deployments = Option.isSome(session)
            ? yield* session.value.list.pipe(
                Effect.timeoutFail({
                  duration: FIRST_LIST_MS,
                  onTimeout: () =>
                    new DeploymentRefused({
                      message: "the Strategies Service has not answered yet: the table follows when it does"
                    })
                }),
                Effect.either
              )
            : undefined
          const live =
            deployments === undefined
              ? '<p id="no-session">No running session: start one with meridian up to deploy strategies.</p>'
              : `<div id="live">${
                  deploymentsTable(
                    deployments,
                    viewer,
                    viewer.roles.some((r) => OPERATORS.includes(r))
                  ).html
                }</div>`
          return c.html(
            page(
              "Strategies",
              viewer,
              {
                html: `${installedTable(list, canDeploy, Option.isSome(research)).html}<h2>Instances of the session</h2>${live}`
              },
              deployments === undefined ? undefined : liveScript("/strategies/events", "live")
            )
          )
        })
      )
    )

    app.get("/strategies/events", allow(...STAFF), (c) =>
      Option.match(session, {
        onNone: () => c.html(errorPage(404, "no running session"), 404),
        onSome: (live) => {
          const viewer = c.get("viewer")
          const operates = viewer.roles.some((r) => OPERATORS.includes(r))
          return streamSSE(c, async (stream) => {
            let last = ""
            const send = Effect.flatMap(Effect.either(live.list), (answer) => {
              const fragment = deploymentsTable(answer, viewer, operates).html
              if (fragment === last) return Effect.void
              last = fragment
              return Effect.promise(() => stream.writeSSE({ event: "update", data: fragment }))
            })
            const run = Effect.repeat(send, Schedule.spaced(DEPLOYMENTS_EVERY_MS)).pipe(
              Effect.interruptible,
              Effect.raceFirst(Effect.async<void>((resume) => stream.onAbort(() => resume(Effect.void))))
            )
            await Runtime.runPromise(runtime)(Effect.asVoid(run))
          })
        }
      })
    )

    app.get(
      "/strategies/deploy",
      allow(...DEPLOYERS),
      handle((c) =>
        Effect.gen(function* () {
          const query = yield* decode(PluginQuery)(c.req.query())
          const chosen = yield* plugin(query.plugin)
          const live = yield* sessionOrFail
          // The session's own instances suggest the account and the instruments.
          const current = yield* live.list.pipe(
            Effect.timeout(FIRST_LIST_MS),
            Effect.orElseSucceed(() => [])
          )
          return c.html(
            page(
              `Deploy ${chosen.id} ${chosen.version}`,
              c.get("viewer"),
              deployForm(chosen, paramInputs(paramFields(chosen.params)), c.get("viewer").csrfToken, current[0])
            )
          )
        })
      )
    )

    app.post(
      "/strategies/deploy",
      allow(...DEPLOYERS),
      handle((c) =>
        Effect.gen(function* () {
          const fields = yield* formBody(c)
          const form = yield* decode(DeployForm)(fields)
          const chosen = yield* plugin(form.plugin)
          const live = yield* sessionOrFail
          const params = readParams(paramFields(chosen.params), fields)
          const problem = Option.isSome(research) ? yield* research.value.checkParams(chosen, params) : undefined
          if (problem !== undefined) return yield* refused({ message: problem })
          const instruments = (form.instruments ?? "").split(/[\s,]+/).filter((s) => s !== "")
          const request = yield* decode(DeployRequest)({
            _tag: "Deploy",
            id: form.id,
            strategy: chosen.dir,
            version: chosen.version,
            params,
            account: form.account,
            ...(instruments.length > 0 && { instruments })
          })
          yield* live.deploy(request).pipe(Effect.mapError(refused))
          return c.redirect("/strategies", 303)
        })
      )
    )

    for (const action of ["start", "stop"] as const) {
      app.post(
        `/strategies/:id/${action}`,
        allow(...OPERATORS),
        handle((c) =>
          Effect.gen(function* () {
            const { id } = yield* decode(InstanceParam)(c.req.param())
            const live = yield* sessionOrFail
            yield* live[action](id).pipe(Effect.mapError(refused))
            return c.redirect("/strategies", 303)
          })
        )
      )
    }
  })
