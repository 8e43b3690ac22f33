/**
 * A log line through a runtime's loggers, as `Effect.logInfo` under that runtime writes it (its loggers, minimum
 * level, annotations and spans, plus the line's own fields), without running a fiber for it. Per order line in the
 * Strategies Service, the fiber `Runtime.runSync` made (its start, run loop and the annotations' fiber ref) was a
 * third of the line's cost, which is a quarter of the service's CPU when it orders on every quote.
 */
import { Cause, type FiberId, FiberRef, FiberRefs, HashMap, LogLevel, type Runtime } from "effect"
import type { Log } from "./lineBudget"

export const runtimeLog = (runtime: Runtime.Runtime<never>, fiberId: FiberId.FiberId, nowMs: () => number): Log => {
  const refs = runtime.fiberRefs
  const loggers = FiberRefs.getOrDefault(refs, FiberRef.currentLoggers)
  const minimum = FiberRefs.getOrDefault(refs, FiberRef.currentMinimumLogLevel)
  const base = FiberRefs.getOrDefault(refs, FiberRef.currentLogAnnotations)
  const spans = FiberRefs.getOrDefault(refs, FiberRef.currentLogSpan)
  return (message, fields) => {
    if (LogLevel.greaterThan(minimum, LogLevel.Info)) return
    let annotations = base
    for (const key in fields) annotations = HashMap.set(annotations, key, fields[key])
    const date = new Date(nowMs())
    for (const logger of loggers) {
      logger.log({
        fiberId,
        logLevel: LogLevel.Info,
        message: [message],
        cause: Cause.empty,
        context: refs,
        spans,
        annotations,
        date
      })
    }
  }
}
