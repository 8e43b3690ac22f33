import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer, type Vitest } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { serverLayer, serverRequired, serverSource } from "../../test/support/db/testServer"
import type { InstrumentId } from "../domain/Ids"
import * as StaticData from "../services/StaticData"
import * as StaticDataSet from "../staticdata/StaticDataSet"
import * as Database from "./Database"
import * as StaticDataStore from "./StaticDataStore"

type Env = StaticDataStore.StaticDataStore | Database.Database

const shipped = StaticDataSet.loadShipped.pipe(Effect.provide(NodeContext.layer))

const count = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: string }>`SELECT count(*) AS n FROM static_data`)

const suite = (it: Vitest.MethodsNonLive<Env, true>) => {
  it.effect("round-trips the shipped set exactly, and loading it again changes nothing", () =>
    Effect.gen(function* () {
      const store = yield* StaticDataStore.StaticDataStore
      const set = yield* shipped
      const entries =
        set.currencies.length + set.instruments.length + set.calendars.length + set.fees.length + set.fx.length
      expect(yield* store.load(set)).toBe(entries)
      expect(yield* store.read()).toEqual(set)
      expect(yield* store.load(set)).toBe(entries)
      expect(yield* count).toEqual([{ n: String(entries) }])
      expect(yield* store.read()).toEqual(set)
      // The port built from the database answers as the one built from the files.
      const fromDb = StaticData.make(yield* store.read())
      const fromFiles = StaticData.make(set)
      expect(fromDb.instruments).toEqual(fromFiles.instruments)
      expect(fromDb.fxRates()).toEqual(fromFiles.fxRates())
      const es = "ESZ6.XCME" as InstrumentId
      expect(yield* fromDb.instrument(es)).toEqual(yield* fromFiles.instrument(es))
    })
  )

  it.effect("updates an entry in place, keeps absent ones, and serves the StaticData port", () =>
    Effect.gen(function* () {
      const store = yield* StaticDataStore.StaticDataStore
      const set = yield* shipped
      const usd = set.currencies.find((c) => c.code === "USD")!
      yield* store.load({ ...set, currencies: [{ ...usd, decimals: 4 }], instruments: [], fx: [] })
      const back = yield* store.read()
      expect(back.currencies.find((c) => c.code === "USD")?.decimals).toBe(4)
      expect(back.instruments).toEqual(set.instruments)
      const port = yield* Effect.provide(StaticData.StaticData, StaticDataStore.layerStaticData)
      expect((yield* port.currency(usd.code)).decimals).toBe(4)
      yield* store.load(set)
      expect(yield* store.read()).toEqual(set)
    })
  )

  it.effect("refuses a stored entry that is not valid static data, naming it", () =>
    Effect.gen(function* () {
      const store = yield* StaticDataStore.StaticDataStore
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO static_data ${sql.insert({
        kind: "currency",
        key: "XXX",
        effective_from: "",
        position: 999,
        payload: JSON.stringify({ code: "XXX", decimals: 40, kind: "fiat" })
      })}`
      const error = yield* store.read().pipe(Effect.flip)
      expect(error._tag).toBe("StaticDataError")
      expect(error.message).toMatch(/currencies\.\d+\.decimals/)
      yield* sql`DELETE FROM static_data WHERE key = 'XXX'`
    })
  )
}

const withStore = (database: Layer.Layer<Database.Database, Database.DatabaseError>) =>
  Layer.provideMerge(StaticDataStore.layer, database)

layer(withStore(Database.layerEmbedded()), { timeout: "60 seconds", excludeTestServices: true })(
  "static data on the embedded database",
  suite
)

const source = serverSource()
if (source._tag === "None") {
  describe("static data on a real PostgreSQL server", () => {
    if (serverRequired()) it("is required (MERIDIAN_TEST_PG_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  layer(withStore(serverLayer(source, `meridian_test_static_data_${process.pid}`)), {
    timeout: "60 seconds",
    excludeTestServices: true
  })("static data on a real PostgreSQL server", suite)
}
