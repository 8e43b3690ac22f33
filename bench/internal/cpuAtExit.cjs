// Preloaded (`--require`) into `meridian sweep` by bench/sweep, and so into its local workers (they are forked with
// its execArgv): at exit each appends `<pid> sweep|worker <CPU ms> <CPU ms since its first job> <wall ms> <runnable
// ms> <blocked ms>` to $MERIDIAN_BENCH_CPU_LOG, which splits a sweep's CPU between its own process and its workers.
// The second figure leaves out starting (loading the bundle, opening the embedded database: seconds of CPU that other
// load varies by a second or more): it counts from the sweep's first job sent, and from a worker's first job
// received. The last three are of the process's main thread, from its first job to its last message (a worker's last
// answer, the last answer the sweep received), out of /proc's schedstat: its wall time, how long it waited for a CPU
// and how long it was blocked (neither running nor runnable: waiting on something, such as its next job). The sweep
// process also appends `<pid> replies <ms> <ms> ...`: when each of its workers' answers arrived (performance.now()),
// from which bench/sweep takes the rate of the sweep's later jobs, without the workers' start and warm-up.
const childProcess = require("node:child_process")
const { appendFileSync, readFileSync } = require("node:fs")

const log = process.env.MERIDIAN_BENCH_CPU_LOG
if (log !== undefined) {
  const role = process.argv.includes("--ipc") ? "worker" : "sweep"
  /** The main thread's time on a CPU and waiting for one (ns), and now (ms); undefined where /proc has no schedstat. */
  const sched = () => {
    try {
      const [run, wait] = readFileSync("/proc/thread-self/schedstat", "utf8").split(" ").map(Number)
      return { run: run / 1e6, wait: wait / 1e6, at: performance.now() }
    } catch {
      return undefined
    }
  }
  let start
  let first
  let last
  const mark = () => {
    start ??= process.cpuUsage()
    first ??= sched()
  }
  const lastMessage = () => {
    last = sched()
  }
  const replies = []
  if (role === "worker") {
    process.once("message", mark)
    // The worker's `process.send` is read when it starts serving, after this preload.
    const send = process.send.bind(process)
    process.send = (...message) => {
      lastMessage()
      return send(...message)
    }
  } else {
    // A child's `send` is its own (set up with its channel), so each forked child's is wrapped.
    const fork = childProcess.fork
    childProcess.fork = (...args) => {
      const child = fork(...args)
      const send = child.send.bind(child)
      child.send = (...message) => {
        mark()
        return send(...message)
      }
      child.on("message", (message) => {
        lastMessage()
        if (typeof message === "object" && message !== null && "outcome" in message) replies.push(performance.now())
      })
      return child
    }
  }
  const ms = (used) => ((used.user + used.system) / 1000).toFixed(1)
  process.on("exit", () => {
    const since = start === undefined ? "0" : ms(process.cpuUsage(start))
    const [wall, runnable, blocked] =
      first === undefined || last === undefined
        ? [0, 0, 0]
        : [
            last.at - first.at,
            last.wait - first.wait,
            last.at - first.at - (last.run - first.run) - (last.wait - first.wait)
          ]
    const main = [wall, runnable, blocked].map((x) => x.toFixed(1)).join(" ")
    appendFileSync(log, `${process.pid} ${role} ${ms(process.cpuUsage())} ${since} ${main}\n`)
    if (replies.length > 0)
      appendFileSync(log, `${process.pid} replies ${replies.map((t) => t.toFixed(1)).join(" ")}\n`)
  })
}
