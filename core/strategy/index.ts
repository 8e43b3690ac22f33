/**
 * Writing strategies: the `Strategy` shape, position sizing, bars of any period, indicators, timers, parameter
 * schemas, and the parent-order machinery of execution algorithms.
 *
 * @since 0.1.0
 */

export * from "./BarAggregator"
export * as Indicators from "./Indicators"
export * from "./Instruments"
export * from "./Params"
export * from "./ParentOrder"
export * from "./RollingMean"
export * as Sizing from "./Sizing"
export * from "./SliceSchedule"
export * as Strategy from "./Strategy"
export * from "./SubscribeBars"
export * from "./Timers"
