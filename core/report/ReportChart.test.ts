import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { AAPL, currencies, ES } from "../../test/fixtures/instruments"
import { Fill } from "../domain/Fill"
import { makeSpecs } from "../domain/InstrumentSpec"
import { MICROS_PER_DAY } from "../domain/Units"
import { extremaIndices } from "./internal/downsample"
import { computeReport, recordedSeries } from "./Report"
import { reportChart } from "./ReportChart"

const specs = makeSpecs([AAPL, ES], currencies)
const USD = currencies.find((c) => c.code === "USD")!
const T0 = 1_704_153_600_000_000 // 2024-01-02T00:00:00Z
const decodeFill = Schema.decodeUnknownSync(Fill)
const fill = (side: "buy" | "sell", quantity: number, price: number, ts: number, instrumentId: string = AAPL.id) =>
  decodeFill({
    tradeId: `t-${ts}`,
    orderId: "o-1",
    clientOrderId: "c-1",
    accountId: "acc-1",
    instrumentId,
    side,
    quantity,
    price,
    fee: 0,
    feeCurrency: "USD",
    liquidity: "taker",
    ts
  })

/** `n` samples (daily by default) of a wave around 100 000.00 USD, the price a wave around 100.00, and a buy and a sell. */
const report = (
  n: number,
  step: number = MICROS_PER_DAY,
  fills = [fill("buy", 10, 10_000, T0 + MICROS_PER_DAY), fill("sell", 10, 10_100, T0 + 3 * MICROS_PER_DAY)]
) => {
  const ts = Array.from({ length: n }, (_, i) => T0 + i * step)
  const wave = (i: number) => Math.sin((2 * Math.PI * i) / 97)
  const input = {
    baseCurrency: USD,
    specs,
    initialEquity: 10_000_000,
    equity: {
      ts,
      equity: ts.map((_, i) => 10_000_000 + Math.round(1_000_000 * wave(i))),
      exposed: ts.map(() => 0)
    },
    fills,
    benchmark: { ts, price: ts.map((_, i) => 10_000 + Math.round(500 * wave(i))) }
  }
  return { report: computeReport(input), recorded: recordedSeries(input) }
}

describe("extremaIndices", () => {
  it("keeps every sample of a short series", () => {
    expect(extremaIndices(4, [{ values: [1, 2, 3, 4], keep: "both" }], 10)).toEqual([0, 1, 2, 3])
  })

  it("keeps the first, the last, the extremes and the deepest point of a long series, ascending", () => {
    const n = 1_000_000
    const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000) * 100 + (i === 777_777 ? -1e6 : 0))
    const troughs = Float64Array.from({ length: n }, (_, i) => (i === 123_457 ? 99 : 0))
    const kept = extremaIndices(
      n,
      [
        { values, keep: "both" },
        { values: troughs, keep: "max" }
      ],
      5_000
    )
    expect(kept.length).toBeLessThanOrEqual(5_000)
    // Up to three a bucket; fewer where a bucket's extremes coincide.
    expect(kept.length).toBeGreaterThan(2_500)
    expect(kept[0]).toBe(0)
    expect(kept[kept.length - 1]).toBe(n - 1)
    expect(kept).toContain(777_777)
    expect(kept).toContain(123_457)
    expect(kept.every((i, k) => k === 0 || i > kept[k - 1]!)).toBe(true)
  })
})

describe("reportChart", () => {
  it("charts the price with a marker per fill, at the fill's price, on the curve's times", () => {
    const { report: computed, recorded } = report(200)
    const chart = reportChart(computed, recorded)
    expect(chart.samples).toBe(200)
    expect(chart.equity.time).toHaveLength(200)
    expect(chart.equity.value[0]).toBe(100_000)
    expect(chart.price?.instrumentId).toBe(AAPL.id)
    expect(chart.price?.time).toEqual(chart.equity.time)
    expect(chart.price?.value[0]).toBe(100)
    expect(chart.markersOf).toBe("fills")
    expect(chart.markers).toEqual([
      { time: (T0 + MICROS_PER_DAY) / 1e6, side: "buy", price: 100, lots: 10, instrumentId: AAPL.id },
      { time: (T0 + 3 * MICROS_PER_DAY) / 1e6, side: "sell", price: 101, lots: 10, instrumentId: AAPL.id }
    ])
    expect(chart.markable).toBe(2)
    // Drawdown hangs below zero.
    expect(Math.max(...chart.drawdownPct.value)).toBe(0)
    expect(Math.min(...chart.drawdownPct.value)).toBeLessThan(0)
  })

  it("cuts a million samples to the limit quickly, keeping the deepest drawdown", () => {
    const { report: big, recorded } = report(1_000_000, 60_000_000)
    const started = performance.now()
    const chart = reportChart(big, recorded)
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(chart.equity.time.length).toBeLessThanOrEqual(5_000)
    expect(chart.samples).toBe(1_000_000)
    const deepest = big.equity.drawdownPct.reduce((a, b) => Math.max(a, b), 0)
    expect(Math.min(...chart.drawdownPct.value)).toBeCloseTo(-deepest, 10)
    expect(chart.equity.time.every((t, k) => k === 0 || t > chart.equity.time[k - 1]!)).toBe(true)
  })

  it("thins markers evenly past the limit and counts fills of other instruments apart", () => {
    const fills = [
      ...Array.from({ length: 50 }, (_, i) => fill(i % 2 === 0 ? "buy" : "sell", 1, 10_000, T0 + i * MICROS_PER_DAY)),
      fill("buy", 1, 400_000, T0, ES.id)
    ]
    const { report: computed, recorded } = report(100, MICROS_PER_DAY, fills)
    const chart = reportChart(computed, recorded, { maxMarkers: 10 })
    expect(chart.markers).toHaveLength(10)
    expect(chart.markable).toBe(50)
    expect(chart.otherFills).toBe(1)
  })

  it("marks a stored run's round trips on the equity curve: it has no price or fills", () => {
    const chart = reportChart(report(200).report, undefined)
    expect(chart.price).toBeUndefined()
    expect(chart.markersOf).toBe("round trips")
    expect(chart.markers.map((m) => [m.side, m.price])).toEqual([
      ["buy", 100],
      ["sell", 101]
    ])
  })
})
