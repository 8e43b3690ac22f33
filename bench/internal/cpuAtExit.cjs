// Preloaded (`--require`) into `meridian sweep` by bench/sweep, and so into its local workers (they are forked with
// its execArgv): at exit each appends `<pid> sweep|worker <CPU ms> <CPU ms since its first job>` to
// $MERIDIAN_BENCH_CPU_LOG, which splits a sweep's CPU between its own process and its workers. The second figure
// leaves out starting (loading the bundle, opening the embedded database: seconds of CPU that other load varies by a
// second or more): it counts from the sweep's first job sent, and from a worker's first job received.
const childProcess = require("node:child_process")
const { appendFileSync } = require("node:fs")

const log = process.env.MERIDIAN_BENCH_CPU_LOG
if (log !== undefined) {
  const role = process.argv.includes("--ipc") ? "worker" : "sweep"
  let start
  const mark = () => {
    start ??= process.cpuUsage()
  }
  if (role === "worker") process.once("message", mark)
  else {
    // A child's `send` is its own (set up with its channel), so each forked child's is wrapped.
    const fork = childProcess.fork
    childProcess.fork = (...args) => {
      const child = fork(...args)
      const send = child.send.bind(child)
      child.send = (...message) => {
        mark()
        return send(...message)
      }
      return child
    }
  }
  const ms = (used) => ((used.user + used.system) / 1000).toFixed(1)
  process.on("exit", () => {
    const since = start === undefined ? "0" : ms(process.cpuUsage(start))
    appendFileSync(log, `${process.pid} ${role} ${ms(process.cpuUsage())} ${since}\n`)
  })
}
