/**
 * What `meridian static load` runs: a static data set written into the central database.
 *
 * @since 0.1.0
 */
import { Console, Effect, Layer, Option } from "effect"
import { databaseLayer } from "../../core/db/ChosenDatabase"
import type { DatabaseChoice } from "../../core/db/DatabaseChoice"
import * as StaticDataStore from "../../core/db/StaticDataStore"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"

export const load = (o: DatabaseChoice & { readonly dir: Option.Option<string> }) =>
  Effect.gen(function* () {
    const set = yield* Option.match(o.dir, { onNone: () => StaticDataSet.loadShipped, onSome: StaticDataSet.load })
    const store = yield* StaticDataStore.StaticDataStore
    const written = yield* store.load(set)
    yield* Console.log(`loaded ${written} static data entries into the central database`)
  }).pipe(Effect.provide(Layer.provide(StaticDataStore.layer, databaseLayer(o))))
