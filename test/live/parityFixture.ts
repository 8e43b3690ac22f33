/**
 * The parity tests' fixture: minute bars of AAPL.XNAS (an instrument of the shipped static data) written with the
 * History API, priced on a slow wave with a deterministic wobble so that the SMA crossover crosses, the
 * mean-reversion strategy's bands are touched and its brackets trigger, within a couple of hundred bars.
 */
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { BarBuilder } from "../../core/data/Columns"
import type { InstrumentId } from "../../core/domain/Ids"
import { History, layer as historyLayer } from "../../core/history/History"

export const INSTRUMENT = "AAPL.XNAS" as InstrumentId
/** 2024-01-02 09:30 New York: the bars fall within the instrument's trading session. */
export const START = Date.UTC(2024, 0, 2, 14, 30) * 1000
const MINUTE = 60_000_000

/** `minutes` one-minute bars from `START`; prices in ticks of 0.01. */
export const writeBars = (dir: string, minutes: number) =>
  Effect.gen(function* () {
    const history = yield* History
    const bars = new BarBuilder()
    let previous = 10_000
    for (let m = 0; m < minutes; m++) {
      const close = Math.round(10_000 + 250 * Math.sin(m / 9) + 60 * Math.sin(m * 1.7))
      const open = previous
      bars.add(
        START + m * MINUTE,
        0,
        MINUTE,
        open,
        Math.max(open, close) + 15,
        Math.min(open, close) - 15,
        close,
        5_000
      )
      previous = close
    }
    yield* history.writeMany([INSTRUMENT], bars.build())
  }).pipe(Effect.provide(historyLayer(dir)), Effect.provide(NodeContext.layer))
