/**
 * `meridian sweep` without a cluster: the grid runs in local worker processes on the embedded database, and
 * `meridian runs list --sweep` lists its jobs.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"

const run = promisify(execFile)
const bin = join(process.cwd(), "runtimes", "node", "bin", "meridian.mjs")
const sp500 = join(process.cwd(), "node_modules", "vega-datasets", "data", "sp500-2000.csv")
const dir = mkdtempSync(join(tmpdir(), "meridian-local-sweep-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The environment without a server: the embedded database is the one meant. */
const { DATABASE_URL: _, MERIDIAN_CLUSTER: __, ...env } = process.env

/** Killed should it outlive its test (a sweep that hangs): a process the test starts ends with it. */
const meridian = (...args: ReadonlyArray<string>) =>
  run(process.execPath, [bin, ...args], { cwd: dir, env, timeout: 280_000, killSignal: "SIGKILL" })

describe("meridian sweep without a cluster", () => {
  it("runs a grid in local worker processes on the embedded database, listed by runs list --sweep", async () => {
    const dbDir = join(dir, "db")
    const { stdout } = await meridian(
      "sweep",
      "--strategy",
      "sma-cross",
      "--grid",
      "fast=5,10,40",
      "--grid",
      "slow=30,50",
      "--data",
      sp500,
      "--instrument",
      "SPX.SIM",
      "--processes",
      "2",
      "--db-dir",
      dbDir
    )
    // fast=40 slow=30 is refused by the strategy's own check (fast below slow) before anything runs.
    const id =
      /^sweep ([0-9a-f]{12}): 5 jobs of strategy-sma-cross 0\.1\.0 \(a grid of 6, 1 left out as invalid\), in 2 local processes$/m.exec(
        stdout
      )?.[1]
    expect(id, stdout).toBeDefined()
    expect(stdout).toMatch(/^5 completed, 0 failed in /m)
    const listed = await meridian("runs", "list", "--sweep", id!, "--db-dir", dbDir)
    const rows = listed.stdout.trim().split("\n").slice(1)
    expect(rows).toHaveLength(5)
    expect(rows.every((row) => / completed /.test(row) && /local-\d+/.test(row))).toBe(true)
    // fast=5 slow=30: the best of this grid on these years (74.69 % before fees).
    expect(rows[0]).toMatch(/fast=5 slow=30\s+completed\s+[0-9a-f]{12}\s+74\.69\s/)
  }, 300_000)

  it("optimizes with TPE, each job proposed from the results so far, under a constraint", async () => {
    const dbDir = join(dir, "db")
    const { stdout } = await meridian(
      "sweep",
      "--strategy",
      "sma-cross",
      "--optimize",
      "tpe",
      "--trials",
      "8",
      "--objective",
      "sharpe",
      "--constraint",
      "trades>=20",
      "--grid",
      "fast=2..40",
      "--grid",
      "slow=20..200",
      "--data",
      sp500,
      "--instrument",
      "SPX.SIM",
      "--processes",
      "2",
      "--db-dir",
      dbDir
    )
    expect(stdout).toMatch(
      /^sweep [0-9a-f]{12}: 8 jobs of strategy-sma-cross 0\.1\.0 \(up to 8 trials proposed by TPE/m
    )
    expect(stdout).toMatch(/^8 completed, 0 failed in /m)
    expect(stdout).toMatch(/^best of 8 trials by sharpe with trades>=20$/m)
  }, 300_000)

  it("walks forward: each window optimized, its best set tested on the next period, the tests chained", async () => {
    const dbDir = join(dir, "db")
    const { stdout } = await meridian(
      "sweep",
      "--strategy",
      "sma-cross",
      "--grid",
      "fast=5,10,20",
      "--grid",
      "slow=30",
      "--walk-forward",
      "train=2y,test=1y",
      "--from",
      "2000-01-01",
      "--to",
      "2005-01-01",
      "--data",
      sp500,
      "--instrument",
      "SPX.SIM",
      "--processes",
      "2",
      "--db-dir",
      dbDir
    )
    const id = /^sweep ([0-9a-f]{12}): 12 jobs .*in each of 3 walk-forward windows/m.exec(stdout)?.[1]
    expect(id, stdout).toBeDefined()
    const rows = [...stdout.matchAll(/^\s+(\d)\s+(\S+)\s+(\S+)\s+3\s+(fast=\d+ slow=30)\s+(.*)$/gm)]
    expect(
      rows.map((r) => [r[1], r[2], r[3]]),
      stdout
    ).toEqual([
      ["1", "2000-01-01..2002-01-01", "2002-01-01..2003-01-01"],
      ["2", "2001-01-01..2003-01-01", "2003-01-01..2004-01-01"],
      ["3", "2002-01-01..2004-01-01", "2004-01-01..2005-01-01"]
    ])
    // The chained curve's return is the tests' returns compounded (the table rounds each to 0.01 %).
    const returns = rows.map((r) => Number(r[5]!.trim().split(/\s+/)[4]))
    const compounded = (returns.reduce((a, r) => a * (1 + r / 100), 1) - 1) * 100
    const stitched = Number(/^ {2}return (-?[\d.]+) %/m.exec(stdout)?.[1])
    expect(Math.abs(stitched - compounded), stdout).toBeLessThan(0.05)
    expect(stdout).toMatch(/^trials: 9 in all; each window's chosen set is the best of its 3\/3\/3/m)
    // Window 1's chosen set is its trials' best Sharpe ratio, as runs list --sweep shows them.
    const trials = (await meridian("runs", "list", "--sweep", `${id}-w1`, "--db-dir", dbDir)).stdout
    const best = trials
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => ({ params: /fast=\d+ slow=30/.exec(line)![0], sharpe: Number(line.split(/\s+/)[6]) }))
      .sort((a, b) => b.sharpe - a.sharpe)[0]
    expect(rows[0]![4]).toBe(best!.params)
  }, 300_000)
})
