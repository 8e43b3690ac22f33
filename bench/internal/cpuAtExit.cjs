// Preloaded (`--require`) into `meridian sweep` by bench/sweep, and so into its local workers (they are forked with
// its execArgv): at exit each appends `<pid> sweep|worker <CPU ms>` to $MERIDIAN_BENCH_CPU_LOG, which splits the
// CPU of a sweep between its own process and its workers.
const { appendFileSync } = require("node:fs")

const log = process.env.MERIDIAN_BENCH_CPU_LOG
if (log !== undefined) {
  const role = process.argv.includes("--ipc") ? "worker" : "sweep"
  process.on("exit", () => {
    const used = process.cpuUsage()
    appendFileSync(log, `${process.pid} ${role} ${((used.user + used.system) / 1000).toFixed(1)}\n`)
  })
}
