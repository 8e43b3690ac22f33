import { describe, expect, it } from "@effect/vitest"
import { Effect, FiberId, HashMap, Layer, Logger, LogLevel } from "effect"
import { runtimeLog } from "./runtimeLog"

/** A runtime whose only logger keeps what it is given, at minimum level `minimum`. */
const capture = (minimum: LogLevel.LogLevel) =>
  Effect.gen(function* () {
    const lines: Array<Logger.Logger.Options<unknown>> = []
    const layer = Layer.merge(
      Logger.replace(
        Logger.defaultLogger,
        Logger.make((options) => void lines.push(options))
      ),
      Logger.minimumLogLevel(minimum)
    )
    const runtime = yield* Effect.runtime<never>().pipe(
      Effect.annotateLogs({ service: "strategies" }),
      Effect.provide(layer)
    )
    return { lines, runtime }
  })

describe("runtimeLog", () => {
  it.effect("writes the line through the runtime's loggers with its annotations and the line's fields", () =>
    Effect.gen(function* () {
      const { lines, runtime } = yield* capture(LogLevel.Info)
      const fiberId = FiberId.make(7, 0)
      runtimeLog(runtime, fiberId, () => 1_000)("order", { orderId: "O-1", quantity: 3 })
      expect(lines.length).toBe(1)
      const line = lines[0]!
      expect(line.message).toEqual(["order"])
      expect(line.logLevel).toBe(LogLevel.Info)
      expect(line.fiberId).toBe(fiberId)
      expect(line.date.getTime()).toBe(1_000)
      expect(Object.fromEntries(HashMap.toEntries(line.annotations))).toEqual({
        service: "strategies",
        orderId: "O-1",
        quantity: 3
      })
    })
  )

  it.effect("writes nothing under a minimum level above Info", () =>
    Effect.gen(function* () {
      const { lines, runtime } = yield* capture(LogLevel.Warning)
      runtimeLog(runtime, FiberId.none, () => 0)("order", {})
      expect(lines).toEqual([])
    })
  )
})
