/** `meridian data import` and `meridian backtest` on L2 book files, in a real process. */
import { execFile } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"

const run = promisify(execFile)
const { DATABASE_URL: _, ...env } = process.env
const bin = join(process.cwd(), "runtimes", "node", "bin", "meridian.mjs")
const meridian = (...args: Array<string>) =>
  run(process.execPath, [bin, ...args], { timeout: 60_000, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr
    })
  )

const fixtures = join(process.cwd(), "test", "fixtures", "book")
const book = join(fixtures, "btc-usdt-book.csv")
const trades = join(fixtures, "btc-usdt-trades.csv")
const strategy = join(fixtures, "join-bid.ts")
const account = ["--param", "lots=30000", "--currency", "USDT", "--cash", "100000", "--no-store"]

describe("meridian on L2 book files", () => {
  it("backtests a book file with its trades: the resting bid fills in three parts behind its queue", async () => {
    const result = await meridian(
      "backtest",
      "--strategy",
      strategy,
      "--data",
      book,
      "--instrument",
      "BTC-USDT.BINANCE",
      "--data",
      trades,
      "--instrument",
      "BTC-USDT.BINANCE",
      ...account
    )
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^join-bid on BTC-USDT\.BINANCE: 14 events, 1 orders, 3 fills, 0 rejected\n/)
    expect(result.stdout).toMatch(/Open Trades\s+1\n/)
  })

  it("imports a book file into the history and backtests it from there", async () => {
    const history = mkdtempSync(join(tmpdir(), "meridian-books-"))
    const imported = await meridian("data", "import", book, "--instrument", "BTC-USDT.BINANCE", "--history", history)
    expect(imported.stderr).toBe("")
    expect(imported.stdout).toBe("imported 11 book rows of BTC-USDT.BINANCE into 1 parts\n")
    await meridian("data", "import", trades, "--instrument", "BTC-USDT.BINANCE", "--history", history)
    const catalog = await meridian("data", "catalog", "--history", history)
    expect(catalog.stdout).toMatch(/BTC-USDT\.BINANCE {2}book {3}2024-03-01T00:00:00\.000Z/)
    const result = await meridian(
      "backtest",
      "--strategy",
      strategy,
      "--data",
      "catalog:BTC-USDT.BINANCE",
      "--history",
      history,
      ...account
    )
    expect(result.stderr).toBe("")
    expect(result.stdout).toMatch(/^join-bid on BTC-USDT\.BINANCE: 14 events, 1 orders, 3 fills, 0 rejected\n/)
  })
})
