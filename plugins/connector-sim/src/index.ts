/**
 * The simulated venue connector: matching against bars, quotes, trades and L2 books, with pluggable seeded
 * latency, fee and slippage models.
 *
 * @since 0.1.0
 */
export * from "./models/Fees"
export * from "./models/Latency"
export * from "./models/Slippage"
export * from "./Rng"
export * as SimExecution from "./SimExecution"
/** The plugin's entry: the simulated venue behind the `Execution` port (`make`, `layer`). */
export { make as default } from "./SimExecution"
export * from "./SimVenue"
