/**
 * The transport port the wire protocol is written against: byte streams over TCP or Unix sockets, plus the two
 * cryptographic primitives the handshake needs. `runtimes/` implements it for each platform
 * (`runtimes/node/NodeTransport.ts` over `node:net` and `node:crypto`, which Bun and Deno run too), so
 * `core/protocol` never imports a runtime module.
 *
 * Every callback runs on the event loop; none is an Effect, because the protocol's per-message path is plain code.
 *
 * @since 0.1.0
 */
import { Context } from "effect"

/** Where a server listens or a client connects: a TCP host and port (0 picks a free port) or a Unix socket path. */
export type Address =
  | { readonly _tag: "Tcp"; readonly host: string; readonly port: number }
  | { readonly _tag: "Unix"; readonly path: string }

export const tcp = (host: string, port: number): Address => ({ _tag: "Tcp", host, port })
export const unix = (path: string): Address => ({ _tag: "Unix", path })

export const formatAddress = (address: Address): string =>
  address._tag === "Tcp" ? `tcp://${address.host}:${address.port}` : `unix://${address.path}`

/** One open byte stream. */
export interface Connection {
  /** Who is at the other end, for logs (`127.0.0.1:53412`, `unix`). */
  readonly remote: string
  /**
   * Queue `bytes` for sending. The transport owns them until it has handed them to the operating system (it may
   * keep them until then): once `buffered()` reads 0 it holds none of them, and the caller may reuse their memory.
   */
  readonly write: (bytes: Uint8Array) => void
  /** Bytes accepted by `write` and not yet handed to the operating system. */
  readonly buffered: () => number
  /** Install the listeners (once). `data` chunks are the caller's to keep; `close` is called exactly once. */
  readonly listen: (listeners: {
    readonly data: (chunk: Uint8Array) => void
    readonly drain: () => void
    readonly close: (error: string | undefined) => void
  }) => void
  /** Send what is queued, then close. */
  readonly end: () => void
  /** Close at once, dropping what is queued. */
  readonly destroy: () => void
}

export interface Listener {
  /** The address bound (with the real port when 0 was asked). */
  readonly address: Address
  /** Stop accepting; open connections are left to their owners. */
  readonly close: () => Promise<void>
}

export interface Transport {
  readonly listen: (address: Address, onConnection: (connection: Connection) => void) => Promise<Listener>
  readonly connect: (address: Address) => Promise<Connection>
  /** HMAC-SHA256 of `data` under `key`. */
  readonly hmac: (key: Uint8Array, data: Uint8Array) => Uint8Array
  /** `size` cryptographically random bytes (the handshake's nonces). */
  readonly randomBytes: (size: number) => Uint8Array
}

/** The transport as a service, for programs that take it from their context (`NodeTransport.layer` provides it). */
export const Transport = Context.GenericTag<Transport>("@meridian/core/protocol/Transport")
