/**
 * The wire protocol's transport port over `node:net` (TCP and Unix sockets) and `node:crypto`; Bun and Deno run it
 * through their Node compatibility. Nagle is off: the protocol batches its writes itself, once per turn.
 *
 * @since 0.1.0
 */
import { createHmac, randomBytes } from "node:crypto"
import { existsSync, unlinkSync } from "node:fs"
import * as net from "node:net"
import { Layer } from "effect"
import { type Address, type Connection, Transport } from "../../core/protocol/Transport"

/** After `end`, a peer that does not take the last bytes within this time is cut off. */
const END_GRACE_MS = 2000

const wrap = (socket: net.Socket, remote: string): Connection => {
  socket.setNoDelay(true)
  let error: string | undefined
  return {
    remote,
    write: (bytes) => {
      socket.write(bytes)
    },
    buffered: () => socket.writableLength,
    listen: (listeners) => {
      socket.on("data", listeners.data)
      socket.on("drain", listeners.drain)
      socket.on("error", (cause) => {
        error = cause.message
      })
      socket.on("close", () => listeners.close(error))
    },
    end: () => {
      socket.end()
      setTimeout(() => socket.destroy(), END_GRACE_MS).unref()
    },
    destroy: () => {
      socket.destroy()
    }
  }
}

const remoteOf = (socket: net.Socket): string =>
  socket.remoteAddress === undefined ? "unix" : `${socket.remoteAddress}:${socket.remotePort}`

/** A Unix socket file left by a process that died is removed; one a live server answers on is kept (and fails). */
const clearStaleSocket = (path: string): Promise<void> =>
  new Promise((resolve) => {
    if (!existsSync(path)) return resolve()
    const probe = net.connect(path)
    probe.once("connect", () => {
      probe.destroy()
      resolve()
    })
    probe.once("error", () => {
      try {
        unlinkSync(path)
      } catch {
        // Gone already, or not ours: listen reports what is wrong.
      }
      resolve()
    })
  })

const listen: Transport["listen"] = async (address, onConnection) => {
  if (address._tag === "Unix") await clearStaleSocket(address.path)
  const server = net.createServer({ noDelay: true }, (socket) => onConnection(wrap(socket, remoteOf(socket))))
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    const ready = () => {
      server.off("error", reject)
      resolve()
    }
    if (address._tag === "Tcp") server.listen(address.port, address.host, ready)
    else server.listen(address.path, ready)
  })
  const bound = server.address()
  const actual: Address =
    address._tag === "Tcp" && bound !== null && typeof bound === "object"
      ? { _tag: "Tcp", host: address.host, port: bound.port }
      : address
  return {
    address: actual,
    // Stops accepting; the protocol closes the sessions itself, so this does not wait for them.
    close: async () => {
      server.close()
    }
  }
}

const connect: Transport["connect"] = (address) =>
  new Promise((resolve, reject) => {
    const socket =
      address._tag === "Tcp"
        ? net.connect({ host: address.host, port: address.port, noDelay: true })
        : net.connect(address.path)
    socket.once("error", reject)
    socket.once("connect", () => {
      socket.off("error", reject)
      resolve(wrap(socket, formatRemote(address)))
    })
  })

const formatRemote = (address: Address): string =>
  address._tag === "Tcp" ? `${address.host}:${address.port}` : address.path

export const nodeTransport: Transport = {
  listen,
  connect,
  hmac: (key, data) => createHmac("sha256", key).update(data).digest(),
  randomBytes: (size) => randomBytes(size)
}

export const layer: Layer.Layer<Transport> = Layer.succeed(Transport, nodeTransport)
