/**
 * Backtest/live parity, proven (issue 15): a paper session over a replayed history in lockstep (`meridian up`, the
 * four services in one process, run to the end of the replay in a temporary folder) and `meridian parity` — a
 * backtest of the same strategy, parameters, static data, deposit and simulated venue, over the market data the
 * session's recorder wrote as it was published — report identical orders and fills, for the SMA crossover, the
 * mean-reversion strategy with brackets and the TWAP algorithm.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { INSTRUMENT, writeBars } from "./parityFixture"

const root = resolve(import.meta.dirname, "..", "..")
const cli = join(root, "runtimes", "node", "bin", "meridian.mjs")
const dirs: Array<string> = []

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** Run the CLI in `cwd` to its end: its exit code and output. */
const meridian = (cwd: string, args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; out: string }>((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()))
    child.once("error", fail)
    child.once("exit", (code) => done({ code, out }))
  })

/** A session of `strategy` over 180 minute bars, run to its end; then `meridian parity` on it. */
const session = async (strategy: { strategy: string; params: Record<string, unknown> }, kind: "cash" | "margin") => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-parity-"))
  dirs.push(dir)
  await Effect.runPromise(writeBars(join(dir, "history"), 180))
  const file = {
    history: "history",
    instruments: [INSTRUMENT],
    pace: "lockstep",
    account: { id: "PAPER-1", name: "Paper", kind, baseCurrency: "USD", deposit: "100000" },
    strategies: [{ id: "s-1", ...strategy, account: "PAPER-1", instruments: [INSTRUMENT] }],
    connector: { sim: { barFill: "next-open", commission: "0.001" } }
  }
  writeFileSync(join(dir, "session.json"), JSON.stringify(file))
  // --duration only bounds a session that would not end: it ends once the replay is through.
  const up = await meridian(dir, ["up", "--config", "session.json", "--duration", "240"])
  expect(up.code, up.out).toBe(0)
  const id = /Meridian session (\S+):/.exec(up.out)?.[1]
  expect(id, up.out).toBeDefined()
  const summary = /Session \S+: (\d+) orders, (\d+) fills, (\d+) rejected/.exec(up.out)
  expect(summary, up.out).not.toBeNull()
  const parity = await meridian(dir, ["parity", id!])
  // The backtest replays what the Market Data Service recorded as it published (#18), not the history it replayed.
  expect(parity.out).toContain("backtesting the recorded market data")
  return { up: summary!.slice(1).map(Number), parity }
}

const identical = /parity: (\d+) orders and (\d+) fills identical/

describe("meridian parity", () => {
  it("the SMA crossover's session equals its backtest", { timeout: 300_000 }, async () => {
    const { up, parity } = await session({ strategy: "sma-cross", params: { fast: 5, slow: 20 } }, "cash")
    expect(parity.code, parity.out).toBe(0)
    const [, orders, fills] = identical.exec(parity.out) ?? []
    expect([Number(orders), Number(fills)]).toEqual([up[0], up[1]])
    expect(Number(fills)).toBeGreaterThan(2)
  })

  it("the mean-reversion strategy's session with brackets equals its backtest", { timeout: 300_000 }, async () => {
    const { up, parity } = await session(
      {
        strategy: join(root, "plugins", "strategy-mean-reversion"),
        params: { period: 10, k: 1.2, mode: "long-short", useBrackets: true, stopLossPct: 1, sizing: "qty:100" }
      },
      "margin"
    )
    expect(parity.code, parity.out).toBe(0)
    const [, orders, fills] = identical.exec(parity.out) ?? []
    expect([Number(orders), Number(fills)]).toEqual([up[0], up[1]])
    // Brackets: each entry comes with its take-profit and stop, so there are more orders than fills.
    expect(Number(orders)).toBeGreaterThan(Number(fills))
  })

  it("the TWAP algorithm's session equals its backtest", { timeout: 300_000 }, async () => {
    const { up, parity } = await session(
      {
        strategy: join(root, "plugins", "algo-twap"),
        params: { side: "buy", quantity: 500, start: "2024-01-02T14:40:00Z", duration: "60m", interval: "5m" }
      },
      "cash"
    )
    expect(parity.code, parity.out).toBe(0)
    expect(parity.out).toContain("parity: 12 orders and 12 fills identical")
    expect(up).toEqual([12, 12, 0])
  })
})
