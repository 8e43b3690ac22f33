/**
 * The port through which the Control Panel sees a running session: its services' statuses and its Accounts
 * Service's events. The runtime that starts the panel provides it (`runtimes/cli/PanelHandlers.ts` connects as the
 * session's `cli` peer); the panel only reads it, and sends the requests an operator asks for.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Option } from "effect"
import type { ServiceStatus } from "../../core/live/ServiceStatus"

/**
 * One service of the session as `meridian status` sees it: down (no answer) or its status.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceReport {
  readonly service: string
  /** Where it should listen, from the session's configuration. */
  readonly address: string
  readonly status: Option.Option<ServiceStatus>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LiveSessionService {
  readonly id: string
  /** Every service's status, asked at once; a service that does not answer in time is down. */
  readonly statuses: Effect.Effect<ReadonlyArray<ServiceReport>>
  /**
   * Follow the account events of shard 0 from the first one (replayed), `onEvent` with each as decoded from the
   * wire; returns the function that stops following.
   */
  readonly followEvents: (onEvent: (seq: number, event: unknown) => void) => () => void
}

/**
 * @since 0.1.0
 * @category tags
 */
export class LiveSession extends Context.Tag("@meridian/site/panel/LiveSession")<
  LiveSession,
  Option.Option<LiveSessionService>
>() {}
