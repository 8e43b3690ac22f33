/**
 * Writing strategies: the `Strategy` shape and position sizing.
 *
 * @since 0.1.0
 */

export * from "./RollingMean"
export * as Sizing from "./Sizing"
export * as Strategy from "./Strategy"
