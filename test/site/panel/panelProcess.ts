/**
 * The `meridian` processes of the panel's browser tests: commands run to completion, and a panel started on a free
 * port, whose address is read from its first line and which is stopped by its pid.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { join } from "node:path"

/** The embedded database of `--db-dir`, whatever the environment names. */
const { DATABASE_URL: _, ...env } = process.env
const bin = join(process.cwd(), "runtimes", "node", "bin", "meridian.mjs")

/** Run `meridian args` in `cwd` with `input` on stdin; its stdout. */
export const meridian = (cwd: string, args: ReadonlyArray<string>, input = ""): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd, env, timeout: 120_000 }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`meridian ${args.join(" ")}: ${stderr || error.message}`))
    )
    child.stdin?.end(input)
  })

export interface Started {
  readonly process: ChildProcess
  readonly url: string
  /** Everything it printed so far. */
  readonly output: () => string
}

/** `meridian args` left running until `pattern` appears in its output; the match's first group is `url`. */
export const start = (
  cwd: string,
  args: ReadonlyArray<string>,
  pattern: RegExp,
  timeoutMs = 120_000
): Promise<Started> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    const timer = setTimeout(() => reject(new Error(`meridian ${args[0]} did not start: ${output}`)), timeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      const match = pattern.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve({ process: child, url: match[1] ?? "", output: () => output })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`meridian ${args[0]} exited (${code}): ${output}`))
    })
  })

/** Stop a started process (SIGTERM, then SIGKILL after `graceMs`) and wait for its exit. */
export const stop = (started: Started | undefined, graceMs = 15_000): Promise<void> =>
  new Promise((resolve) => {
    const child = started?.process
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return resolve()
    const kill = setTimeout(() => child.kill("SIGKILL"), graceMs)
    child.once("exit", () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill("SIGTERM")
  })
