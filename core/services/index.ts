/**
 * The ports a strategy and the services are written against; each has simulated and live layers.
 *
 * @since 0.1.0
 */
export * as Accounts from "./Accounts"
export * as Execution from "./Execution"
export * as MarketData from "./MarketData"
export * as StaticData from "./StaticData"
