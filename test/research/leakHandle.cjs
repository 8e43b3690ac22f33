// Preloaded into a `meridian sweep` by SweepExit.test.ts: a referenced timer that nothing clears, as a library's
// socket or pool connection left open would be, so that only the sweep's exit guard can end the process.
if (process.argv.includes("sweep")) setInterval(() => {}, 2 ** 30)
