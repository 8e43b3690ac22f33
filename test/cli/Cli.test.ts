import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { sp500Path } from "../backtest/support"

const run = promisify(execFile)
const meridian = (...args: Array<string>) =>
  run(process.execPath, ["runtimes/node/bin/meridian.mjs", ...args], { timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr
    })
  )

describe("meridian CLI (a real process)", () => {
  it("backtests a CSV file and writes the report", async () => {
    const out = mkdtempSync(join(tmpdir(), "meridian-out-"))
    const result = await meridian(
      "backtest",
      "--strategy",
      "sma-cross",
      "--data",
      sp500Path,
      "--instrument",
      "SPX.SIM",
      "--param",
      "fast=5",
      "--param",
      "slow=20",
      "--commission",
      "0.001",
      "--fill",
      "close",
      "--sizing",
      "equity:50",
      "--cash",
      "250000",
      "--out",
      out
    )
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/strategy-sma-cross on SPX.SIM: 5105 events/)
    expect(result.stdout).toMatch(/Sharpe Ratio/)
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"))
    expect(report.stats.trades).toBeGreaterThan(100)
    expect(readFileSync(join(out, "trades.csv"), "utf8").split("\n")[0]).toMatch(/^instrumentId,side,quantity/)
    expect(existsSync(join(out, "equity.csv"))).toBe(true)
  })

  it("refuses a bad CSV row with its line number and a failing exit code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meridian-bad-"))
    const file = join(dir, "bad.csv")
    writeFileSync(file, "Date,Open,High,Low,Close,Volume\n2024-01-02,10,11,9,10.5,100\n2024-01-03,10,9,11,10.5,100\n")
    const result = await meridian("backtest", "--strategy", "sma-cross", "--data", file)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/line 3, column "High": high 9 is below low 11/)
  })

  it("imports CSV into the market data history, lists it, and backtests from it", async () => {
    const history = mkdtempSync(join(tmpdir(), "meridian-history-"))
    const imported = await meridian(
      "data",
      "import",
      sp500Path,
      "--instrument",
      "SPY.ARCX",
      "--timezone",
      "America/New_York",
      "--history",
      history
    )
    expect(imported.stdout).toMatch(/imported 5105 bar rows of SPY.ARCX/)
    const catalog = await meridian("data", "catalog", "--history", history)
    expect(catalog.stdout).toMatch(/SPY\.ARCX\s+bar\s+2000-01-03T05:00:00.000Z\s+2020-04-17T04:00:00.000Z\s+5105/)
    const result = await meridian(
      "backtest",
      "--strategy",
      "sma-cross",
      "--data",
      "catalog:SPY.ARCX",
      "--history",
      history,
      "--from",
      "2010-01-01",
      "--to",
      "2015-01-01"
    )
    expect(result.stderr).toBe("")
    // 2010 to 2014 hold 1,258 trading days.
    expect(result.stdout).toMatch(/strategy-sma-cross on SPY.ARCX: 1258 events/)
  })

  it("names a bad parameter", async () => {
    const result = await meridian("backtest", "--strategy", "sma-cross", "--data", sp500Path, "--param", "fast=50")
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/fast: fast must be shorter than slow/)
  })
})
