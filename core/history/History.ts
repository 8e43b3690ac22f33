/**
 * The market data history: a Parquet dataset partitioned by kind, venue, instrument and UTC date, written by the
 * recorder and by CSV imports, and replayed by backtests in timestamp order. See README.md for the layout.
 *
 * @since 0.1.0
 */
import type { FileSystem, Path } from "@effect/platform"
import { Context, Effect, Layer, Schema } from "effect"
import type { Columns } from "../data/Columns"
import { InstrumentId } from "../domain/Ids"
import { KINDS } from "./internal/kinds"
import { HistoryError, type HistoryStore } from "./internal/model"
import { makeStore } from "./internal/store"

export type { Kind } from "./internal/kinds"
export {
  type CatalogEntry,
  type CompactSummary,
  HistoryError,
  type HistoryStore,
  type ImportCsvOptions,
  type ReplayQuery,
  type WriteSummary
} from "./internal/model"

/** The market data history service. */
export class History extends Context.Tag("@meridian/core/History")<History, HistoryStore>() {}

/** The history rooted at `root` (created if missing); DuckDB is opened here and closed with the layer. */
export const layer = (root: string): Layer.Layer<History, HistoryError, FileSystem.FileSystem | Path.Path> =>
  Layer.scoped(History, makeStore(root))

/**
 * Every stored kind of `instruments` in `[from, to)` as one `Columns` per kind (bars, trades, quotes, books order), each
 * indexed by position in `instruments`: the data of `meridian backtest --data catalog:<id>[,...]`. An id that is
 * malformed fails with `InvalidQuery`, one with no stored rows at all with `NotFound`.
 */
export const loadCatalogData = (
  root: string,
  instruments: ReadonlyArray<string>,
  from?: number,
  to?: number
): Effect.Effect<ReadonlyArray<Columns>, HistoryError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const ids = yield* Schema.decodeUnknown(Schema.Array(InstrumentId))(instruments).pipe(
      Effect.mapError((e) => new HistoryError({ reason: "InvalidQuery", message: e.message }))
    )
    const history = yield* History
    const entries = yield* history.catalog
    for (const id of ids) {
      if (!entries.some((e) => e.instrument === id)) {
        return yield* new HistoryError({ reason: "NotFound", message: `no stored market data for ${id}` })
      }
    }
    const kinds = KINDS.filter((kind) => entries.some((e) => e.kind === kind && ids.includes(e.instrument)))
    const range = { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }
    return yield* Effect.forEach(kinds, (kind) => history.load({ instruments: ids, kind, ...range }))
  }).pipe(Effect.provide(layer(root)))
