/**
 * Commands load what they run when they run: `meridian --help` must not pay for DuckDB, PGlite, the registry's
 * server or the backtest engine. In the bundle, a dynamically imported module is initialised on first use.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"

/** `use` of a module imported when the command runs (the module loader imports it once). */
export const lazy =
  <M>(load: () => Promise<M>) =>
  <A, E, R>(use: (module: M) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Effect.promise(load), use)
