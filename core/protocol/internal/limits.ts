import { Effect, Redacted, Runtime } from "effect"
import type { Key, Limits as LimitOptions } from "../Protocol"
import type { Limits } from "./link"

export const resolveLimits = (options: LimitOptions): Limits => ({
  maxFrameBytes: options.maxFrameBytes ?? 1024 * 1024,
  maxQueuedBytes: options.maxQueuedBytes ?? 8 * 1024 * 1024,
  heartbeatMs: options.heartbeatMs ?? 1000,
  deadAfterMs: options.deadAfterMs ?? 5000,
  handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5000
})

const utf8 = new TextEncoder()

export const keyBytes = (key: Key): Uint8Array => {
  const raw = Redacted.isRedacted(key) ? Redacted.value(key) : key
  return typeof raw === "string" ? utf8.encode(raw) : raw
}

export type Logger = (level: "Info" | "Warning", message: string, annotations: Record<string, unknown>) => void

/** Log from a plain callback through the runtime of the Effect that owns it (its logger, its annotations). */
export const makeLogger = Effect.map(
  Effect.runtime<never>(),
  (runtime): Logger =>
    (level, message, annotations) =>
      Runtime.runSync(runtime)(
        (level === "Warning" ? Effect.logWarning(message) : Effect.logInfo(message)).pipe(
          Effect.annotateLogs(annotations)
        )
      )
)

export const errorMessage = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))
