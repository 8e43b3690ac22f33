/**
 * The static data set in the central database: one `static_data` row per entry and version (kind, key, date it
 * takes effect, the entry as `jsonb`), so every service reads the same set that `meridian static load` wrote.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, ParseResult, Schema } from "effect"
import { make as makeStaticData, StaticData, StaticDataError } from "../services/StaticData"
import { StaticDataSet } from "../staticdata/StaticDataSet"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"

/**
 * @since 0.1.0
 * @category models
 */
export interface StaticDataStoreService {
  /**
   * Write every entry of the set (an upsert on kind, key and date: loading the same set again changes nothing;
   * entries absent from the set are kept). Returns the number of entries written.
   */
  readonly load: (set: StaticDataSet) => Effect.Effect<number, DatabaseError>
  /** The stored set, in the order it was loaded, validated as the files are. */
  readonly read: () => Effect.Effect<StaticDataSet, DatabaseError | StaticDataError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class StaticDataStore extends Context.Tag("@meridian/core/db/StaticDataStore")<
  StaticDataStore,
  StaticDataStoreService
>() {}

type Encoded = typeof StaticDataSet.Encoded
type Kind = "currency" | "instrument" | "calendar" | "fee" | "fx"

/** The field of the set each kind fills. */
const FIELDS = {
  currency: "currencies",
  instrument: "instruments",
  calendar: "calendars",
  fee: "fees",
  fx: "fx"
} as const

const Row = Schema.Struct({
  kind: Schema.Literal("currency", "instrument", "calendar", "fee", "fx"),
  payload: Schema.Unknown
})

/** One row per entry, keyed by what identifies it and the date it takes effect ('' when not versioned). */
const rowsOf = <E>(kind: Kind, entries: ReadonlyArray<E>, key: (entry: E) => readonly [string, string]) =>
  entries.map((entry, position) => {
    const [k, effectiveFrom] = key(entry)
    return { kind, key: k, effective_from: effectiveFrom, position, payload: JSON.stringify(entry) }
  })

const allRows = (set: Encoded) => [
  ...rowsOf("currency", set.currencies, (c) => [c.code, ""]),
  ...rowsOf("instrument", set.instruments, (i) => [i.id, i.effectiveFrom]),
  ...rowsOf("calendar", set.calendars, (c) => [c.id, ""]),
  ...rowsOf("fee", set.fees, (f) => [`${f.venue}/${f.assetClass ?? "*"}`, f.effectiveFrom]),
  ...rowsOf("fx", set.fx, (r) => [`${r.base}/${r.quote}`, r.effectiveFrom])
]

const invalid = (error: ParseResult.ParseError) =>
  new StaticDataError({
    reason: "Invalid",
    message: `static_data: ${ParseResult.ArrayFormatter.formatErrorSync(error)
      .map((i) => `${i.path.join(".")}: ${i.message}`)
      .join("; ")}`
  })

/**
 * The store over the central database.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<StaticDataStoreService, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const load = (set: StaticDataSet) =>
    Effect.gen(function* () {
      const rows = allRows(yield* Schema.encode(StaticDataSet)(set))
      if (rows.length === 0) return 0
      yield* sql`
        INSERT INTO static_data ${sql.insert(rows)}
        ON CONFLICT (kind, key, effective_from)
        DO UPDATE SET position = EXCLUDED.position, payload = EXCLUDED.payload`
      return rows.length
    }).pipe(sql.withTransaction, Effect.mapError(toDatabaseError("Query", "cannot load the static data")))

  const read = () =>
    Effect.gen(function* () {
      const rows = yield* sql`
        SELECT kind, payload FROM static_data ORDER BY kind, position, key, effective_from`.pipe(
        Effect.flatMap(Schema.decodeUnknown(Schema.Array(Row))),
        Effect.mapError(toDatabaseError("Query", "cannot read the static data"))
      )
      const raw: Record<string, Array<unknown>> = { currencies: [], instruments: [], calendars: [], fees: [], fx: [] }
      for (const row of rows) raw[FIELDS[row.kind]]?.push(row.payload)
      return yield* Schema.decodeUnknown(StaticDataSet, { errors: "all" })(raw).pipe(Effect.mapError(invalid))
    })

  return { load, read }
})

/**
 * `StaticDataStore` on the database layer's client.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<StaticDataStore, never, SqlClient.SqlClient> = Layer.effect(StaticDataStore, make)

/**
 * The `StaticData` port served from the set stored in the database.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStaticData: Layer.Layer<StaticData, DatabaseError | StaticDataError, SqlClient.SqlClient> =
  Layer.effect(
    StaticData,
    Effect.flatMap(make, (store) => Effect.map(store.read(), makeStaticData))
  )
