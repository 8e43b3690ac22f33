/**
 * What `meridian data import|catalog|compact` run, loaded only when one of them runs (DuckDB comes with it).
 *
 * @since 0.1.0
 */
import { FileSystem } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import { kindOfHeader } from "../../core/data/Csv"
import { makeSpecs } from "../../core/domain/InstrumentSpec"
import { formatTimestamp, type Timestamp } from "../../core/domain/Units"
import { History, layer as historyLayer } from "../../core/history/History"
import { StaticData } from "../../core/services/StaticData"
import { resolveInstrument } from "../../core/staticdata/ResolveInstrument"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"

export const importCsv = (o: {
  readonly file: string
  readonly instrument: string
  readonly kind: Option.Option<"bar" | "quote" | "trade" | "book">
  readonly currency: string
  readonly tickSize: string
  readonly lotSize: string
  readonly timezone: Option.Option<string>
  readonly history: string
}) =>
  Effect.gen(function* () {
    const staticData = yield* StaticData
    const timezone = Option.getOrUndefined(o.timezone)
    const instrument = yield* resolveInstrument(staticData, o.instrument, { ...o, timezone })
    const spec = makeSpecs([instrument], staticData.currencies).list[0]!
    const kind = Option.isSome(o.kind) ? o.kind.value : yield* kindFromHeader(o.file)
    const store = yield* History
    const summary = yield* store.importCsv({ kind, path: o.file, spec, timezone: timezone ?? instrument.timezone })
    yield* Console.log(`imported ${summary.rows} ${kind} rows of ${instrument.id} into ${summary.parts.length} parts`)
  }).pipe(Effect.provide(historyLayer(o.history)), Effect.provide(StaticDataSet.layerShipped))

export const catalog = (o: { readonly history: string }) =>
  Effect.gen(function* () {
    const store = yield* History
    const entries = yield* store.catalog
    if (entries.length === 0) return yield* Console.log(`no market data in ${o.history}`)
    const rows = entries.map((e) => [
      e.instrument,
      e.kind,
      formatTimestamp(e.firstTs as Timestamp),
      formatTimestamp(e.lastTs as Timestamp),
      String(e.rows)
    ])
    const header = ["instrument", "kind", "first", "last", "rows"]
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
    const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ")
    yield* Console.log([line(header), ...rows.map(line)].join("\n"))
  }).pipe(Effect.provide(historyLayer(o.history)))

export const compact = (o: { readonly history: string }) =>
  Effect.gen(function* () {
    const { partitions, parts, total } = yield* (yield* History).compact
    const of = (n: number) => `${n} ${n === 1 ? "partition" : "partitions"}`
    yield* Console.log(
      partitions === 0
        ? `nothing to compact in ${o.history}: each of its ${of(total)} (a day of ticks or a month of bars) is one part`
        : `merged ${parts} parts of ${of(partitions)} into one part each; ${of(total)} in all`
    )
  }).pipe(Effect.provide(historyLayer(o.history)))

/** The kind of data a file holds, from its first line (read alone: the file may be large). */
const kindFromHeader = (file: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const handle = yield* fs.open(file)
    const head = new Uint8Array(64 * 1024)
    const read = Number(yield* handle.read(head))
    return kindOfHeader(new TextDecoder().decode(head.subarray(0, read)).split(/\r?\n/, 1)[0] ?? "")
  }).pipe(
    Effect.scoped,
    Effect.mapError((e) => new BacktestError({ reason: "Config", message: `cannot read ${file}: ${e.message}` }))
  )
