/**
 * The crypto exchange connector on ccxt: Binance spot and USD-M futures market data and execution.
 *
 * @since 0.1.0
 */

export * as CcxtClient from "./CcxtClient"
export * from "./CcxtConfig"
export * as CcxtConnector from "./CcxtConnector"
/** The plugin's entry: build a connector from its configuration (`makeFromJson`). */
export { makeFromJson as default } from "./CcxtConnector"
export * from "./CcxtError"
export * as CcxtExecution from "./CcxtExecution"
export * as CcxtInstruments from "./CcxtInstruments"
export * as CcxtMarketData from "./CcxtMarketData"
export * as CcxtVenueState from "./CcxtVenueState"
