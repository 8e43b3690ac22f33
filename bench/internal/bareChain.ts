/**
 * The floor under tick-to-order on this machine: the same hops with nothing of Meridian in them. This process sends
 * a 100-byte message every `gapMs` to a bare `node:net` relay (the Strategies Service's place), which passes it to a
 * second (the Accounts Service's: it appends the message to a file and fdatasyncs it first), which sends it back
 * here; the latency is from send to arrival. Each hop wakes a process that slept since the last message, as in the
 * real path, so on a virtual machine the wake-ups, not the code, set most of this figure.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { connect, createServer, type Socket } from "node:net"
import { join } from "node:path"

const MESSAGE_BYTES = 100

const relay = async (next: number, children: Array<ChildProcess>, journal?: string): Promise<number> => {
  const args = [join(import.meta.dirname, "bareRelay.mjs"), String(next), ...(journal === undefined ? [] : [journal])]
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] })
  children.push(child)
  const [line] = (await once(child.stdout!, "data")) as [Buffer]
  return Number(line.toString().trim())
}

/** The latencies (ms) of `count` messages sent every `gapMs` through the two relays, sorted. */
export const bareChain = async (count: number, gapMs: number, journalDir: string): Promise<Float64Array> => {
  const children: Array<ChildProcess> = []
  const arrivals: Array<number> = []
  let pending = Buffer.alloc(0)
  const back = createServer({ noDelay: true }, (socket) =>
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= MESSAGE_BYTES) {
        arrivals.push(performance.now())
        pending = pending.subarray(MESSAGE_BYTES)
      }
    })
  )
  back.listen(0, "127.0.0.1")
  await once(back, "listening")
  try {
    const accounts = await relay((back.address() as { port: number }).port, children, join(journalDir, "bare-journal"))
    const strategies = await relay(accounts, children)
    const socket: Socket = connect({ host: "127.0.0.1", port: strategies, noDelay: true })
    await once(socket, "connect")
    const sent = new Float64Array(count)
    const message = Buffer.alloc(MESSAGE_BYTES, 1)
    for (let k = 0; k < count; k++) {
      sent[k] = performance.now()
      socket.write(message)
      await new Promise((resolve) => setTimeout(resolve, gapMs))
    }
    while (arrivals.length < count) await new Promise((resolve) => setTimeout(resolve, 10))
    socket.destroy()
    return Float64Array.from(sent, (at, k) => arrivals[k]! - at).sort()
  } finally {
    for (const child of children) child.kill("SIGTERM")
    back.close()
  }
}
