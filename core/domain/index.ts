/**
 * Meridian's domain model: every type that crosses a service, a file or the wire.
 *
 * @since 0.1.0
 */

export * as Calendar from "./Calendar"
export * as Commands from "./Commands"
export * as Currency from "./Currency"
export * as Decimal from "./Decimal"
export * as Events from "./Events"
export * as FeeSchedule from "./FeeSchedule"
export * as Fill from "./Fill"
export * as Ids from "./Ids"
export * as Instrument from "./Instrument"
export * as InstrumentSpec from "./InstrumentSpec"
export * as MarketData from "./MarketData"
export * as Order from "./Order"
export * as OrderTicket from "./OrderTicket"
export * as Portfolio from "./Portfolio"
export * as Reject from "./Reject"
export * as Risk from "./Risk"
export * as SafeInt from "./SafeInt"
export * as Session from "./Session"
export * as Units from "./Units"
