/**
 * Meridian's wire formats and protocol.
 *
 * @since 0.1.0
 */
export * as Codec from "./Codec"
export * as Messages from "./Messages"
export * as Protocol from "./Protocol"
export * as ProtocolError from "./ProtocolError"
export * as StreamSource from "./StreamSource"
export * as Transport from "./Transport"
