// Preloaded into the sweep process by ClusterSweep.test.ts: on SIGUSR2 it prints what keeps its event loop alive
// (sockets with their peers, timers), so that a sweep that finished its work but does not exit says why.
process.on("SIGUSR2", () => {
  const handles = process._getActiveHandles().map((h) => {
    const name = h?.constructor?.name
    if (name === "Socket")
      return `Socket ${h.remoteAddress}:${h.remotePort} (local ${h.localPort}, destroyed ${h.destroyed})`
    if (name === "Timeout") return `Timeout ${h._idleTimeout} ms`
    return String(name)
  })
  process.stderr.write(`active handles: ${JSON.stringify(handles)}; resources: ${process.getActiveResourcesInfo()}\n`)
})
