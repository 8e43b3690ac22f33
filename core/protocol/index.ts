/**
 * Meridian's wire formats.
 *
 * @since 0.1.0
 */
export * as Codec from "./Codec"
export * as Messages from "./Messages"
