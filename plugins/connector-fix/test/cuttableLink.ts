/**
 * A TCP relay on loopback between a FIX client and its venue whose connections the test can cut, both sides at
 * once, as a network fault would: the two processes live on and must find each other again.
 */
import { createConnection, createServer, type Socket } from "node:net"
import { Effect } from "effect"

export interface CuttableLink {
  /** Where the client connects. */
  readonly port: number
  /** Destroys every open connection; returns how many there were. */
  readonly cut: () => number
}

/** A relay to `127.0.0.1:target` for the length of the scope. */
export const cuttableLink = (target: number) =>
  Effect.acquireRelease(
    Effect.async<{ readonly link: CuttableLink; readonly close: () => void }>((resume) => {
      const open = new Set<readonly [Socket, Socket]>()
      const server = createServer((client) => {
        const venue = createConnection({ host: "127.0.0.1", port: target })
        const pair = [client, venue] as const
        open.add(pair)
        const drop = () => {
          open.delete(pair)
          client.destroy()
          venue.destroy()
        }
        for (const socket of pair) socket.on("error", drop).on("close", drop)
        client.pipe(venue)
        venue.pipe(client)
      })
      const cut = () => {
        const n = open.size
        for (const [client, venue] of [...open]) {
          client.destroy()
          venue.destroy()
        }
        return n
      }
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(
          Effect.succeed({
            link: { port, cut },
            close: () => {
              cut()
              server.close()
            }
          })
        )
      })
    }),
    ({ close }) => Effect.sync(close)
  ).pipe(Effect.map(({ link }) => link))
