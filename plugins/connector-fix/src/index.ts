/**
 * The FIX 4.4 connector on jspurefix: the `Execution` port over a FIX initiator session, with a persistent session
 * store and an optional drop-copy session. `make` gives `{ execution, state, stats }`: `state` is the `VenueState`
 * reconciliation on start asks (OrderMassStatusRequest, TradeCaptureReportRequest; no balances in FIX 4.4).
 *
 * @since 0.1.0
 */
export * as FixConfig from "./FixConfig"
export * as FixEngine from "./FixEngine"
export * as FixExecution from "./FixExecution"
/** The plugin's entry: the connector behind the `Execution` port (`make`, `layer`). */
export { make as default } from "./FixExecution"
export * as FixInstruments from "./FixInstruments"
export * as FixVenueState from "./FixVenueState"
