/**
 * The `Execution` port: a venue connector. It takes the Accounts Service's venue commands and reports executions
 * back. The simulated venue and every real connector implement it.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Scope } from "effect"
import type { ExecutionCommand, ExecutionReport } from "../domain/Commands"

export interface ExecutionService {
  readonly execute: (command: ExecutionCommand) => void
  /** Call `handler` for each execution report until the subscriber's scope closes. */
  readonly reports: (handler: (report: ExecutionReport) => void) => Effect.Effect<void, never, Scope.Scope>
}

export class Execution extends Context.Tag("@meridian/core/Execution")<Execution, ExecutionService>() {}
