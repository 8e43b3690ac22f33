/**
 * The floor under tick-to-order on this machine: the same hops with nothing of Meridian in them. This process sends
 * a 100-byte message every `gapMs` to a bare `node:net` relay (the Strategies Service's place), which passes it to a
 * second (the Accounts Service's: it appends the message to a file and fdatasyncs it first), which sends it back
 * here; the latency is from send to arrival. Each hop wakes a process that slept since the last message, as in the
 * real path, so on a virtual machine the wake-ups, not the code, set most of this figure. Each relay's CPU per
 * message (user + system, where `/proc` has it) is the floor under the services' `cpu_us_per_quote`: what a
 * process spends to be woken, read, write (and fdatasync) once.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { connect, createServer, type Socket } from "node:net"
import { join } from "node:path"
import { processCpuMs } from "./procStats"

const MESSAGE_BYTES = 100

const relay = async (next: number, children: Array<ChildProcess>, journal?: string): Promise<number> => {
  const args = [join(import.meta.dirname, "bareRelay.mjs"), String(next), ...(journal === undefined ? [] : [journal])]
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] })
  children.push(child)
  const [line] = (await once(child.stdout!, "data")) as [Buffer]
  return Number(line.toString().trim())
}

export interface Floor {
  /** The latencies (ms) of the messages, sorted. */
  readonly latencies: Float64Array
  /** Each relay's CPU per message (µs), where `/proc` has it. */
  readonly cpuUsPerMessage: { readonly strategies?: number; readonly accounts?: number }
}

/** `count` messages sent every `gapMs` through the two relays. */
export const bareChain = async (count: number, gapMs: number, journalDir: string): Promise<Floor> => {
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
    const relays = { accounts: children[0]?.pid, strategies: children[1]?.pid }
    const cpuBefore = { accounts: processCpuMs(relays.accounts), strategies: processCpuMs(relays.strategies) }
    const sent = new Float64Array(count)
    const message = Buffer.alloc(MESSAGE_BYTES, 1)
    for (let k = 0; k < count; k++) {
      sent[k] = performance.now()
      socket.write(message)
      await new Promise((resolve) => setTimeout(resolve, gapMs))
    }
    while (arrivals.length < count) await new Promise((resolve) => setTimeout(resolve, 10))
    const cpuUsPerMessage: Record<string, number> = {}
    for (const name of ["strategies", "accounts"] as const) {
      const [before, after] = [cpuBefore[name], processCpuMs(relays[name])]
      if (before !== undefined && after !== undefined)
        cpuUsPerMessage[name] = Math.round(((after - before) * 1000) / count)
    }
    socket.destroy()
    return { latencies: Float64Array.from(sent, (at, k) => arrivals[k]! - at).sort(), cpuUsPerMessage }
  } finally {
    for (const child of children) child.kill("SIGTERM")
    back.close()
  }
}
