// Preloaded into a process the bench starts (`node --import`): at exit, writes the process's peak RSS in KB to the
// file named by MERIDIAN_BENCH_RSS_FILE.
import { writeFileSync } from "node:fs"

const file = process.env.MERIDIAN_BENCH_RSS_FILE
if (file !== undefined) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)))
