// One hop of tick-to-order's floor (see bareChain.ts), with nothing of Meridian in it: a bare `node:net` relay.
// Argument: the port to pass each message on to; with a second argument (a file), each message is first appended
// to it and fdatasync'd, as the Accounts Service's journal does. Prints the port it listens on.
import { closeSync, fdatasyncSync, openSync, writeSync } from "node:fs"
import { connect, createServer } from "node:net"

const [next, journal] = [Number(process.argv[2]), process.argv[3]]
const fd = journal === undefined ? undefined : openSync(journal, "a")
const out = connect({ host: "127.0.0.1", port: next, noDelay: true })
const server = createServer({ noDelay: true }, (socket) =>
  socket.on("data", (chunk) => {
    if (fd !== undefined) {
      writeSync(fd, chunk)
      fdatasyncSync(fd)
    }
    out.write(chunk)
  })
)
out.on("connect", () => server.listen(0, "127.0.0.1", () => console.log(server.address().port)))
process.on("SIGTERM", () => {
  if (fd !== undefined) closeSync(fd)
  process.exit(0)
})
