import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope } from "effect"
import type { InstrumentId } from "../../domain/Ids"
import type { MarketDataEvent } from "../../domain/MarketData"
import { type LiveFeed, pullFeed } from "./LiveSource"

const trade = (ts: number) =>
  ({
    _tag: "Trade",
    instrumentId: "BTCUSDT.BINANCE" as InstrumentId,
    ts,
    price: 100,
    size: 1,
    aggressor: "buy"
  }) as MarketDataEvent

/** A feed whose events the test pushes; it records when its subscription closes. */
const pushFeed = () => {
  let push: ((event: MarketDataEvent) => void) | undefined
  const feed: LiveFeed = {
    identity: { test: true },
    events: (handler) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          push = handler
        }),
        // The venue's last events arrive while it disconnects: they are still read.
        () => Effect.sync(() => handler(trade(99)))
      )
  }
  return { feed, push: (event: MarketDataEvent) => push!(event) }
}

describe("pullFeed", () => {
  it.effect("waits for events instead of answering none, and ends only when the feed's scope closes", () =>
    Effect.gen(function* () {
      const { feed, push } = pushFeed()
      const scope = yield* Scope.make()
      const connector = yield* pullFeed(feed).pipe(Scope.extend(scope))

      const waiting = yield* Effect.fork(connector.next(10))
      yield* Effect.yieldNow({ priority: 1_000 })
      expect(waiting.unsafePoll()).toBeNull()
      push(trade(1))
      expect(yield* Fiber.join(waiting)).toEqual([trade(1)])

      for (let ts = 2; ts <= 6; ts++) push(trade(ts))
      expect(yield* connector.next(3)).toEqual([trade(2), trade(3), trade(4)])
      expect(yield* connector.next(3)).toEqual([trade(5), trade(6)])

      const last = yield* Effect.fork(connector.next(10))
      yield* Effect.yieldNow({ priority: 1_000 })
      yield* Scope.close(scope, Exit.void)
      expect(yield* Fiber.join(last)).toEqual([trade(99)])
      expect(yield* connector.next(10)).toEqual([])
    })
  )
})
