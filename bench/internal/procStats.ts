/**
 * What `/proc` tells a bench about the machine it ran on, where there is a `/proc` (Linux): a process's CPU time
 * and the load average, beside which every figure is to be read.
 */
import { readFileSync } from "node:fs"

/** CPU time (user + system, ms) of process `pid` so far (`/proc/<pid>/stat`, in ticks of 1/100 s). */
export const processCpuMs = (pid: number | undefined): number | undefined => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return undefined
  }
}

/** The machine's load average over the last minute: every figure depends on it. */
export const loadAverage = (): { load?: number } => {
  try {
    return { load: Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]) }
  } catch {
    return {}
  }
}
