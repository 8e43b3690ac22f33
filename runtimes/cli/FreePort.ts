/**
 * A TCP port for a process started later to listen on. Chosen below the system's ephemeral range (Linux:
 * 32768–60999): a port the system hands out for `listen(0)` is free only until any outbound connection on the
 * machine takes it as its local port, which happened between choosing and binding under a loaded test run
 * (EADDRINUSE). A random port in 20000–32767 that binds now is only taken by another process choosing the same way.
 */
import { createServer } from "node:net"

const HOST = "127.0.0.1"
const LOW = 20_000
const HIGH = 32_767

/** Whether `port` on loopback can be listened on now. */
const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen(port, HOST, () => server.close(() => resolve(true)))
  })

/** A free port on loopback: random below the ephemeral range, else (after 50 taken) one from the system. */
export const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1))
    if (await bindable(port)) return port
  }
  return new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
