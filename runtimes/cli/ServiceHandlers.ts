/**
 * What `meridian service <name>` runs: the service's program (`ServicePrograms.ts`) in this process, logging JSON
 * lines.
 *
 * @since 0.1.0
 */
import { Effect, Logger } from "effect"
import type { ServiceName } from "../../core/live/session/SessionPlan"
import { runService } from "./ServicePrograms"

// JSON lines in place of the pretty logger the process starts with.
const jsonLogs = Logger.replace(Logger.prettyLoggerDefault, Logger.withConsoleLog(Logger.jsonLogger))

export const runLogged = (name: ServiceName, configFile: string) =>
  runService(name, configFile).pipe(Effect.provide(jsonLogs))
