/**
 * The port through which the Control Panel deploys, starts, stops and lists the strategy instances of the running
 * session's Strategies Service (`core/live/strategies/Deployments.ts`). The runtime that starts the panel over a
 * session provides it (`runtimes/cli/PanelHandlers.ts`, as the session's `cli` peer); without a session there is none.
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
import type { DeploymentRefused, DeploymentView, DeployRequest } from "../../core/live/strategies/Deployments"

/**
 * Each answer once the service journaled the request; a refusal (or no answer in time) is one line.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionStrategiesService {
  readonly deploy: (request: DeployRequest) => Effect.Effect<void, DeploymentRefused>
  readonly start: (id: string) => Effect.Effect<void, DeploymentRefused>
  readonly stop: (id: string) => Effect.Effect<void, DeploymentRefused>
  readonly list: Effect.Effect<ReadonlyArray<DeploymentView>, DeploymentRefused>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SessionStrategies extends Context.Tag("@meridian/site/panel/SessionStrategies")<
  SessionStrategies,
  SessionStrategiesService
>() {}
