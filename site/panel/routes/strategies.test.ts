/**
 * The strategies pages as an app (`app.request`, no browser) over a Strategies Service that does not answer (a
 * session starting, or too busy): the installed plugins and the deploy form are served within the page's own wait,
 * saying the instances are not known yet, instead of waiting for the service.
 */
import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import type { Hono } from "hono"
import * as PanelUsers from "../../../core/db/PanelUsers"
import { databaseLayer, oneStrategyResearch, PASSWORD, signIn } from "../../internal/siteTest"
import { AccountsDesk } from "../../portal/AccountsDesk"
import { loadChartLibrary } from "../../report/ReportPage"
import { LiveSession } from "../LiveSession"
import * as Panel from "../Panel"
import * as Password from "../Password"
import { SessionStrategies } from "../SessionStrategies"

const PLUGIN = "strategy-x@1.0.0"

const TestLayer = databaseLayer.pipe(
  Layer.merge(Layer.succeed(LiveSession, Option.none())),
  Layer.merge(Layer.succeed(AccountsDesk, Option.none())),
  Layer.merge(oneStrategyResearch),
  // A session whose Strategies Service never answers.
  Layer.merge(
    Layer.succeed(SessionStrategies, {
      deploy: () => Effect.never,
      start: () => Effect.never,
      stop: () => Effect.never,
      list: Effect.never
    })
  ),
  Layer.merge(NodeContext.layer)
)

layer(TestLayer, { timeout: "120 seconds", excludeTestServices: true })("strategies pages", (it) => {
  it.scoped("are served without the Strategies Service's list when it does not answer", () =>
    Effect.gen(function* () {
      const users = yield* PanelUsers.PanelUsers
      const passwordHash = yield* Password.hash(Redacted.make(PASSWORD))
      yield* users.add({ name: "ada", role: "admin", passwordHash, now: 1 })
      const chartLibrary = yield* loadChartLibrary
      const panel = (yield* Panel.make({ chartLibrary, clientAddress: () => "test" })) as unknown as Hono<never>
      const ada = yield* Effect.promise(() => signIn(panel, "ada"))
      const get = (path: string) =>
        Effect.promise(async () => {
          const response = await panel.request(`http://localhost${path}`, { headers: { cookie: ada.cookie } })
          return { status: response.status, body: await response.text() }
        })

      // Each answers although the list never comes (else the test times out).
      const list = yield* get("/strategies")
      expect(list.status).toBe(200)
      expect(list.body).toContain(`<tr data-plugin="${PLUGIN}">`)
      expect(list.body).toContain("/strategies/deploy?plugin=")
      expect(list.body).toMatch(/id="deployments-error">the Strategies Service has not answered yet/)
      const form = yield* get(`/strategies/deploy?plugin=${encodeURIComponent(PLUGIN)}`)
      expect(form.status).toBe(200)
      expect(form.body).toContain('id="deploy"')
    })
  )
})
