/**
 * Every expected failure of the command line is one line `meridian: ...` naming the flag or field, with a failing
 * exit code and no stack trace unless `--verbose`; the help is plain and fits 80 columns when piped; refused orders
 * are listed in the report. Each check starts a real process: they run side by side, a few per test.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { sp500Path } from "../backtest/support"

const { DATABASE_URL: _, ...env } = process.env
const bin = join(process.cwd(), "runtimes", "node", "bin", "meridian.mjs")

/** `meridian args` in a real process, piped (not a terminal). */
const meridian = (...args: Array<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000, env }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr })
    )
  })

/** The one line a failure prints. */
const oneLine = (result: { code: number; stdout: string; stderr: string }) => {
  expect(result.code, result.stderr).not.toBe(0)
  expect(result.stdout).toBe("")
  const lines = result.stderr.trimEnd().split("\n")
  expect(lines, result.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^meridian: /)
  return lines[0]!
}

const backtest = ["backtest", "--strategy", "sma-cross", "--data", sp500Path, "--instrument", "SPX.SIM", "--no-store"]

describe("meridian errors (real processes)", () => {
  it("a command line that does not parse: one line naming the flag, exit code 2", async () => {
    const [missing, unknown, noFile, noArg] = await Promise.all([
      meridian("backtest", "--bogus"),
      meridian("backtest", "--strategy", "sma-cross", "--data", sp500Path, "--bogus"),
      meridian("service", "accounts", "--config", "/nonexistent/accounts.json"),
      meridian("runs", "show")
    ])
    expect(oneLine(missing)).toContain("'--strategy'")
    expect(missing.code).toBe(2)
    expect(oneLine(unknown)).toContain("'--bogus'")
    expect(oneLine(noFile)).toContain("/nonexistent/accounts.json")
    expect(oneLine(noArg)).toMatch(/<id>.*meridian runs show --help/)
  })

  it("a failure at run time: one line, the trace only with --verbose", async () => {
    const registry = ["plugin", "list", "--registry", "http://127.0.0.1:9"]
    const [quiet, verbose] = await Promise.all([meridian(...registry), meridian(...registry, "--verbose")])
    expect(oneLine(quiet)).toContain("http://127.0.0.1:9")
    expect(quiet.code).toBe(1)
    expect(verbose.code).toBe(1)
    expect(verbose.stderr.split("\n")[0]).toMatch(/^meridian: .*http:\/\/127\.0\.0\.1:9/)
    expect(verbose.stderr).toMatch(/\n\s+at /)
  })

  it("a typo of a strategy parameter and --from/--to with a file are refused, naming them", async () => {
    const [typo, range] = await Promise.all([
      meridian(...backtest, "--param", "fsat=5"),
      meridian(...backtest, "--from", "2010-01-01")
    ])
    expect(oneLine(typo)).toMatch(/fsat: unknown parameter \(did you mean fast\?/)
    expect(oneLine(range)).toMatch(/--from selects a range of the history .*sp500-2000\.csv is a file/)
  })

  it("help describes every option, in 80 columns, without colour codes when piped", async () => {
    const [top, bt] = await Promise.all([meridian("--help"), meridian("backtest", "--help")])
    for (const help of [top, bt]) {
      expect(help.code).toBe(0)
      expect(help.stdout).not.toContain("\u001b")
      expect(help.stdout).not.toContain("A user-defined piece of text")
      expect(help.stdout.split("\n").filter((line) => line.length > 80)).toEqual([])
    }
    expect(top.stdout).toMatch(/\n {2}backtest +Backtest a strategy on market data files\n/)
    // Each option is followed by its own description, not directly by the next option or a generic line.
    const options = bt.stdout.slice(bt.stdout.indexOf("OPTIONS"))
    for (const flag of [
      "--strategy",
      "--currency",
      "--tick-size",
      "--lot-size",
      "--account",
      "--latency-us",
      "--seed"
    ]) {
      expect(options).toMatch(new RegExp(`\\n${flag} [^\\n]*\\n\\n {2}[a-zA-Z]`))
    }
  })

  it("lists refused orders by reason with the first message, in the table and report.json", async () => {
    const out = mkdtempSync(join(tmpdir(), "meridian-rejections-"))
    const result = await meridian(...backtest, "--cash", "1000", "--sizing", "qty:1", "--out", out)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(
      /\nRejected orders \(reason, count, first message\)\n {2}INSUFFICIENT_FUNDS +\d+ {2}\S/
    )
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as {
      rejections: ReadonlyArray<{ reason: string; count: number; sample: string }>
    }
    expect(report.rejections[0]?.reason).toBe("INSUFFICIENT_FUNDS")
    expect(report.rejections[0]?.count).toBeGreaterThan(0)
    expect(report.rejections[0]?.sample).toMatch(/free cash/)
  })
})
