import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { MarketDataError } from "../../core/services/MarketData"
import { traded } from "../../core/strategy/Instruments"
import { parentOrderOf } from "../../core/strategy/ParentOrder"
import type { StrategyRequirements } from "../../core/strategy/Strategy"
import { runBacktest, SPX } from "../backtest/support"
import { AAPL } from "../fixtures/instruments"
import { MINUTE, quotes, T0 } from "./algoSupport"

/** Run `probe` as the strategy of a backtest on SPX and AAPL: what it returned, or the reason it failed. */
const found = <A>(probe: Effect.Effect<A, MarketDataError, StrategyRequirements>) =>
  Effect.gen(function* () {
    const out: Array<A | string> = []
    yield* runBacktest({
      instruments: [SPX, AAPL],
      data: [quotes(T0, T0 + MINUTE, MINUTE, () => [100, 101])],
      strategy: probe.pipe(
        Effect.match({ onFailure: (e) => `failed ${e.reason}`, onSuccess: (a) => a }),
        Effect.flatMap((a) => Effect.sync(() => out.push(a))),
        Effect.asVoid
      )
    })
    return out[0]
  })

describe("traded", () => {
  it.effect("finds the instrument by id, or the run's first, with its spec", () =>
    Effect.gen(function* () {
      const first = yield* found(Effect.map(traded(undefined), (t) => [t.instrument.id, t.spec.instrument.id]))
      expect(first).toEqual([SPX.id, SPX.id])
      const named = yield* found(Effect.map(traded(AAPL.id), (t) => [t.instrument.id, t.spec.instrument.id]))
      expect(named).toEqual([AAPL.id, AAPL.id])
    })
  )

  it.effect("fails with UnknownInstrument for an id not in the run", () =>
    Effect.gen(function* () {
      expect(yield* found(traded("NOPE.SIM"))).toBe("failed UnknownInstrument")
    })
  )
})

describe("parentOrderOf", () => {
  it.effect("states the parent order, with a limit only when one is given", () =>
    Effect.gen(function* () {
      const market = yield* found(
        Effect.map(parentOrderOf({ instrument: AAPL.id, side: "sell", quantity: 7 }), (p) => p.order)
      )
      expect(market).toEqual({ instrumentId: AAPL.id, side: "sell", quantity: 7 })
      const limit = yield* found(
        Effect.map(parentOrderOf({ side: "buy", quantity: 3, limitPrice: 99 }), (p) => p.order)
      )
      expect(limit).toEqual({ instrumentId: SPX.id, side: "buy", quantity: 3, limitPrice: 99 })
    })
  )
})
