/**
 * What the crash tests share: a child script bundled once so that each start is quick, run until it has printed
 * enough lines, then killed with SIGKILL.
 */
import { spawn } from "node:child_process"
import { mkdirSync, renameSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import * as esbuild from "esbuild"

/**
 * Bundle `entry` beside node_modules (so that it finds the native checksum package); returns the bundle's path. The
 * bundle is swapped in by a rename, never rewritten in place: another run (a worker on another file, a checkout
 * whose node_modules shares this one's files through hard links) may be starting the previous one at that moment.
 */
export const bundleChild = async (entry: string): Promise<string> => {
  const name = entry.split(/[\\/]/).pop()!.replace(/\.ts$/, ".cjs")
  const outfile = join(import.meta.dirname, "..", "node_modules", ".cache", "meridian-test", name)
  const built = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    external: ["@node-rs/crc32"],
    logLevel: "error",
    write: false
  })
  const temporary = `${outfile}.${process.pid}`
  mkdirSync(dirname(outfile), { recursive: true })
  writeFileSync(temporary, built.outputFiles[0]!.contents)
  renameSync(temporary, outfile)
  return outfile
}

/**
 * Run `bundle` with `args`, hand each line it prints to `onLine`, and kill -9 it `extraMs` after the `lines`-th
 * line (or after 30 s); resolves with what it wrote on stderr once it is gone.
 */
export const runUntilKilled = (
  bundle: string,
  args: ReadonlyArray<string>,
  onLine: (line: string) => void,
  lines: number,
  extraMs: number
): Promise<{ readonly stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let seen = 0
    let stderr = ""
    let buffered = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString()
      const complete = buffered.split("\n")
      buffered = complete.pop()!
      for (const line of complete) {
        onLine(line)
        if (++seen === lines) setTimeout(() => child.kill("SIGKILL"), extraMs)
      }
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on("error", reject)
    child.on("exit", () => {
      clearTimeout(timer)
      resolve({ stderr })
    })
  })
