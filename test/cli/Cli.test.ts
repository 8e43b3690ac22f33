import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import packageJson from "../../package.json" with { type: "json" }
import { runSimBacktest } from "../../runtimes/cli/SimBacktest"
import { sp500Path } from "../backtest/support"
import { buyOnceSource } from "../fixtures/strategyFiles"

const run = promisify(execFile)
/** The environment without DATABASE_URL: runs are stored in the embedded database of `--db-dir`. */
const { DATABASE_URL: _, ...env } = process.env
const bin = join(process.cwd(), "runtimes", "node", "bin", "meridian.mjs")
/** `meridian args` in a real process, from `cwd` (the project by default). */
const meridianIn = (cwd: string, ...args: Array<string>) =>
  run(process.execPath, [bin, ...args], { timeout: 120_000, env, cwd }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr
    })
  )

const meridian = (...args: Array<string>) => meridianIn(process.cwd(), ...args)

// Up to seven processes a test, each opening the embedded database or DuckDB: minutes on a loaded machine.
describe("meridian CLI (a real process)", { timeout: 240_000 }, () => {
  it("runs the demo on embedded defaults, stores it, and tells a newcomer what to try next", async () => {
    const home = mkdtempSync(join(tmpdir(), "meridian-demo-"))
    const result = await meridianIn(home, "demo")
    expect(result.stderr).toBe("")
    const id = /^run ([0-9a-f]{12}) stored$/m.exec(result.stdout)?.[1]
    expect(id).toBeDefined()
    expect(result.stdout).toMatch(new RegExp(`\\nNext:\\n  npx meridian runs show ${id} +the run just stored\\n`))
    expect(existsSync(join(home, ".meridian", "db", "inbox", `${id}.run`))).toBe(true)
  })

  it("answers --help and info without loading the bundle, as the command line itself does", async () => {
    // bin/meridian.mjs answers a lone --help, -h or info itself (help from the text the build stored); with
    // --verbose the bundle answers.
    const [stored, short, rendered, quickInfo, info] = await Promise.all([
      meridian("--help"),
      meridian("-h"),
      meridian("--help", "--verbose"),
      meridian("info"),
      meridian("info", "--verbose")
    ])
    expect(rendered.code).toBe(0)
    expect(rendered.stdout).toMatch(/^meridian\n\nmeridian \d+\.\d+\.\d+\n\nUSAGE\n/)
    expect(stored).toEqual(rendered)
    expect(short).toEqual(rendered)
    expect(info).toEqual({
      code: 0,
      stdout: `meridian ${packageJson.version} on node ${process.versions.node}\n`,
      stderr: ""
    })
    expect(quickInfo).toEqual(info)
  })

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
      out,
      "--no-store"
    )
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/strategy-sma-cross on SPX.SIM: 5105 events/)
    expect(result.stdout).toMatch(/Sharpe Ratio/)
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"))
    expect(report.stats.trades).toBeGreaterThan(100)
    const trades = readFileSync(join(out, "trades.csv"), "utf8").split("\n")
    expect(trades[0]).toMatch(/^status,instrumentId,side,quantity,entryTime,exitTime,/)
    // ISO-8601 times, not µs; SPX.SIM is dated in UTC: a daily bar starts at midnight.
    expect(trades[1]).toMatch(/^closed,SPX\.SIM,long,\d+,\d{4}-\d\d-\d\dT00:00:00\.000Z,/)
    expect(report.trades[0].entryTime).toMatch(/^\d{4}-\d\d-\d\dT00:00:00\.000Z$/)
    // Start and End are the first and last bars' own dates.
    expect(result.stdout).toMatch(/Start\s+2000-01-03\n/)
    expect(result.stdout).toMatch(/End\s+2020-04-17\n/)
    expect(result.stdout).toMatch(/Trades at End\s+left open, not counted\n/)
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
    // One import wrote one part per partition: nothing to merge (the store's tests merge parts), and it says why.
    expect((await meridian("data", "compact", "--history", history)).stdout).toMatch(
      /^nothing to compact in .*: each of its \d+ partitions \(a day of ticks or a month of bars\) is one part\n$/
    )
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
      "2015-01-01",
      "--no-store"
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

  it("stores every backtest in the embedded database, lists and compares the runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meridian-runs-"))
    const dbDir = join(dir, "state", "db")
    // 200 daily bars of a wave (period 40 days) around 100: short, and the averages cross often.
    const bars = Array.from({ length: 200 }, (_, i) => {
      const close = (100 + 10 * Math.sin((2 * Math.PI * i) / 40)).toFixed(2)
      const day = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10)
      return `${day},${close},${close},${close},${close},1000\n`
    })
    const prices = join(dir, "WAVE.csv")
    writeFileSync(prices, `Date,Open,High,Low,Close,Volume\n${bars.join("")}`)
    const backtest = (...params: Array<string>) =>
      meridian("backtest", "--strategy", "sma-cross", "--data", prices, "--db-dir", dbDir, ...params)
    const first = await backtest("--param", "fast=10", "--param", "slow=30")
    expect(first.stderr).toBe("")
    const a = /run ([0-9a-f]{12}) stored\n$/.exec(first.stdout)?.[1]
    const second = await backtest("--param", "fast=5", "--param", "slow=20")
    const b = /run ([0-9a-f]{12}) stored\n$/.exec(second.stdout)?.[1]
    expect(a).toBeDefined()
    expect(b).toBeDefined()
    // `--strategy` takes the name the backtest was given, as well as the plugin's id.
    const listed = await meridian("runs", "list", "--db-dir", dbDir, "--strategy", "sma-cross")
    expect(listed.code).toBe(0)
    const lines = listed.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^id\s+created\s+strategy\s+version\s+status\s+return \[%\]\s+trades$/)
    // Newest first: b was stored after a.
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([b, a])
    expect(lines[1]).toMatch(/strategy-sma-cross\s+0\.1\.0\s+completed/)
    const compared = await meridian("runs", "compare", a!, b!, "--db-dir", dbDir)
    expect(compared.code).toBe(0)
    // What ran differently first (the parameters here), then the statistics.
    expect(compared.stdout).toMatch(new RegExp(`^what ran\\s+${a}\\s+${b}\n`))
    expect(compared.stdout).toMatch(/^parameters\.fast\s+10\s+5$/m)
    expect(compared.stdout).toMatch(/^parameters\.slow\s+30\s+20$/m)
    expect(compared.stdout).not.toMatch(/^strategy\s/m)
    expect(compared.stdout).toMatch(new RegExp(`^statistic\\s+${a}\\s+${b}\\s+difference$`, "m"))
    // The labels of the report table, and no negative zero.
    expect(compared.stdout).toMatch(/^Return \[%\]\s+-?\d+\.\d\d\s+-?\d+\.\d\d\s+-?\d+\.\d\d$/m)
    expect(compared.stdout).not.toMatch(/-0\.00\b/)
    const trades = /^# Trades\s+(\d+)\s+(\d+)\s+(-?\d+)$/m.exec(compared.stdout)
    expect(Number(trades?.[3])).toBe(Number(trades?.[2]) - Number(trades?.[1]))
    // The bundle records the hash of the built-in plugin's code it holds, as the sources compute it.
    const shown = await meridian("runs", "show", a!, "--db-dir", dbDir)
    const fromSources = await Effect.runPromise(
      runSimBacktest({
        strategy: "sma-cross",
        data: [prices],
        instruments: [],
        params: {},
        cash: "100000",
        currency: "USD",
        tickSize: "0.01",
        lotSize: "1",
        accountKind: "cash",
        historyDir: dir,
        venue: { barFill: "next-open", commission: "0", latencyUs: 0, seed: 1 }
      }).pipe(Effect.provide(StaticDataSet.layerShipped), Effect.provide(NodeContext.layer))
    )
    expect(shown.stdout).toMatch(new RegExp(`^code\\s+sha256 ${fromSources.run.codeHash}$`, "m"))
    const missing = await meridian("runs", "show", "000000000000", "--db-dir", dbDir)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe("meridian: no backtest run 000000000000\n")
  })

  it("checks the database before the backtest runs: an unreachable server fails at once, in one line", async () => {
    const started = performance.now()
    const result = await meridian(
      "backtest",
      "--strategy",
      "sma-cross",
      "--data",
      sp500Path,
      "--db",
      "postgres://meridian@127.0.0.1:1/meridian"
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(/^meridian: cannot store the run: [^\n]+\n$/)
    // Generous for a loaded machine; the backtest itself never ran.
    expect(performance.now() - started).toBeLessThan(30_000)
  })

  it("loads a strategy file kept outside the project, bundled with what it imports", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meridian-strategy-"))
    const file = join(dir, "buy-once.ts")
    writeFileSync(file, buyOnceSource("buy-once"))
    const result = await meridian(
      "backtest",
      "--strategy",
      file,
      "--data",
      sp500Path,
      "--param",
      "lots=5",
      "--no-store"
    )
    expect(result.stderr).toBe("")
    expect(result.stdout).toMatch(/buy-once on SP500-2000.SIM: 5105 events, 1 orders, 1 fills/)
  })
})
