/**
 * What a report's charts draw, shaped for a charting library: the equity curve and its drawdown, the price of the
 * first instrument and a marker per fill, in seconds since the epoch and plain numbers (the edge where exact units
 * become decimals). Long curves are cut to `maxPoints` samples keeping each stretch's highs, lows and drawdown
 * troughs, so that a million-bar run charts in a page of a few hundred kilobytes.
 *
 * A report computed by `computeReport` has its fills and price (`BacktestReport.recorded`); a stored run has
 * neither, and its markers are then the round trips' entries and exits, drawn on the equity curve.
 *
 * @since 0.1.0
 */
import * as Decimal from "../domain/Decimal"
import { increments } from "../domain/Instrument"
import { type Extremes, extremaIndices } from "./internal/downsample"
import type { BacktestReport, RecordedSeries, TradeRow } from "./internal/model"

/**
 * A marked fill (or, without fills, a round trip's entry or exit): when, which way, at what price.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChartMarker {
  /** Seconds since the epoch: the time of the charted sample nearest the fill. */
  readonly time: number
  readonly side: "buy" | "sell"
  readonly price: number
  readonly lots: number
  readonly instrumentId: string
}

/**
 * A line: times in seconds since the epoch, strictly increasing, and a value at each.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChartLine {
  readonly time: ReadonlyArray<number>
  readonly value: ReadonlyArray<number>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ReportChart {
  /** Equity in the base currency's units (not minor units). */
  readonly equity: ChartLine
  /** Drawdown from the running peak in percent, negative below the peak, on the equity curve's times. */
  readonly drawdownPct: ChartLine
  /** Samples of the equity curve before downsampling. */
  readonly samples: number
  /** The first instrument's last price at each equity sample, when the report has it. */
  readonly price?: ChartLine & { readonly instrumentId: string }
  /**
   * `fills`: one marker per fill of the priced instrument, on the price. `round trips`: a stored run's trades, an
   * entry and an exit marker each, on the equity curve.
   */
  readonly markersOf: "fills" | "round trips"
  readonly markers: ReadonlyArray<ChartMarker>
  /** Fills (or entries and exits) there were in all: more than `markers` when thinned or of other instruments. */
  readonly markable: number
  /** Fills of instruments other than the priced one, which the price chart cannot place. */
  readonly otherFills: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ChartOptions {
  /** Most samples kept of each curve; 5 000 by default. */
  readonly maxPoints?: number
  /** Most markers drawn, spread evenly over the fills; 5 000 by default. */
  readonly maxMarkers?: number
}

const MICROS_PER_SECOND = 1_000_000

/**
 * `indices` of a µs series as seconds, with the samples whose second repeats the previous one's dropped in favour
 * of the later (a chart's time axis needs strictly increasing times; the later sample is the state at that second).
 */
const bySecond = (indices: ReadonlyArray<number>, ts: ArrayLike<number>): Array<number> => {
  const kept: Array<number> = []
  let last = Number.NEGATIVE_INFINITY
  for (const i of indices) {
    const second = Math.floor(ts[i]! / MICROS_PER_SECOND)
    if (second === last) kept[kept.length - 1] = i
    else kept.push(i)
    last = second
  }
  return kept
}

const seconds = (indices: ReadonlyArray<number>, ts: ArrayLike<number>): Array<number> =>
  indices.map((i) => Math.floor(ts[i]! / MICROS_PER_SECOND))

/** The time in `times` (ascending) nearest `t`. */
const nearest = (times: ReadonlyArray<number>, t: number): number => {
  let lo = 0
  let hi = times.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (times[mid]! < t) lo = mid + 1
    else hi = mid
  }
  const after = times[lo]!
  const before = times[lo - 1]
  return before !== undefined && t - before < after - t ? before : after
}

/** At most `max` of `items`, spread evenly, first and last kept. */
const thinned = <A>(items: ReadonlyArray<A>, max: number): ReadonlyArray<A> => {
  if (items.length <= max) return items
  const step = (items.length - 1) / (max - 1)
  return Array.from({ length: max }, (_, i) => items[Math.round(i * step)]!)
}

/** The first instrument's price, when the report has it sampled with its equity curve, and its specs. */
const pricedOf = (report: BacktestReport, recorded: RecordedSeries | undefined) => {
  const spec = recorded?.specs.list[0]
  const price = recorded?.price
  if (recorded === undefined || spec === undefined || price === undefined) return undefined
  return price.ts.length === report.equity.ts.length && price.ts.length > 0 ? { recorded, spec, price } : undefined
}

/** The price on the curve's `indices`, and a marker per fill of its instrument. */
const priceChart = (
  { recorded, spec, price }: NonNullable<ReturnType<typeof pricedOf>>,
  indices: ReadonlyArray<number>,
  time: ReadonlyArray<number>,
  maxMarkers: number
) => {
  const { tick } = increments(spec.instrument)
  const decimal = (ticks: number) => Number(Decimal.fromUnits(ticks, tick))
  const own = recorded.fills.filter((fill) => fill.instrumentId === spec.instrument.id)
  const markers = thinned(own, maxMarkers).map(
    (fill): ChartMarker => ({
      time: nearest(time, Math.floor(fill.ts / MICROS_PER_SECOND)),
      side: fill.side === "buy" ? "buy" : "sell",
      price: decimal(fill.price),
      lots: fill.quantity,
      instrumentId: fill.instrumentId
    })
  )
  return {
    price: { instrumentId: spec.instrument.id, time, value: indices.map((i) => decimal(price.price[i]!)) },
    markers,
    markable: own.length,
    otherFills: recorded.fills.length - own.length
  }
}

/** A stored run's round trips as entry and exit markers on the equity curve. */
const tradeMarkers = (report: BacktestReport, time: ReadonlyArray<number>, maxMarkers: number) => {
  const marker = (trade: TradeRow, us: number, side: ChartMarker["side"], price: string): ChartMarker => ({
    time: nearest(time, Math.floor(us / MICROS_PER_SECOND)),
    side,
    price: Number(price),
    lots: trade.quantity,
    instrumentId: trade.instrumentId
  })
  const ends = report.trades.flatMap((trade) => {
    const long = trade.side === "long"
    return [
      marker(trade, trade.entryTs, long ? "buy" : "sell", trade.entryPrice),
      marker(trade, trade.exitTs, long ? "sell" : "buy", trade.exitPrice)
    ]
  })
  return { markers: thinned(ends, maxMarkers), markable: ends.length }
}

/**
 * The chart data of `report`: its equity curve and drawdown cut to `maxPoints` samples, the price and fill markers
 * when the report has them (else the round trips' ends as markers).
 *
 * @since 0.1.0
 * @category constructors
 */
export const reportChart = (
  report: BacktestReport,
  recorded: RecordedSeries | undefined,
  options: ChartOptions = {}
): ReportChart => {
  const maxPoints = options.maxPoints ?? 5_000
  const maxMarkers = options.maxMarkers ?? 5_000
  const { ts, equity, drawdownPct } = report.equity
  const priced = pricedOf(report, recorded)
  // One set of samples for every line: the chart's time axis is then the curve's, and each marker sits on a sample.
  const extremes: Array<Extremes> = [
    { values: equity, keep: "both" },
    { values: drawdownPct, keep: "max" }
  ]
  if (priced !== undefined) extremes.push({ values: priced.price.price, keep: "both" })
  const indices = bySecond(extremaIndices(ts.length, extremes, maxPoints), ts)
  const time = seconds(indices, ts)
  const scale = 10 ** report.currencyDecimals
  const curves = {
    equity: { time, value: indices.map((i) => equity[i]! / scale) },
    drawdownPct: { time, value: indices.map((i) => (drawdownPct[i] === 0 ? 0 : -drawdownPct[i]!)) },
    samples: ts.length
  }
  if (priced !== undefined) {
    const { price, ...marked } = priceChart(priced, indices, time, maxMarkers)
    return { ...curves, price, markersOf: "fills", ...marked }
  }
  return { ...curves, markersOf: "round trips", otherFills: 0, ...tradeMarkers(report, time, maxMarkers) }
}
