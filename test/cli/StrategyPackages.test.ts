import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { tokenSha256 } from "../../registry/src/Authors"
import { serve } from "../../registry/src/Server"
import { sp500Path } from "../backtest/support"

const exec = promisify(execFile)
/** The environment without DATABASE_URL: nothing here stores a run. */
const { DATABASE_URL: _, ...env } = process.env
/** Without colour codes, for the scaffold's own test run. */
const { FORCE_COLOR: __, ...uncolored } = env
const plainEnv = { ...uncolored, NO_COLOR: "1" }
const project = process.cwd()
const bin = join(project, "runtimes", "node", "bin", "meridian.mjs")

interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** How long one process may take: a run that loads a plugin took over 30 s on a loaded 2-core machine. */
const PROCESS_MS = 90_000

/** `meridian args` in a real process, from `cwd`. */
const meridianIn = (cwd: string, ...args: Array<string>): Promise<Outcome> =>
  exec(process.execPath, [bin, ...args], { timeout: PROCESS_MS, env, cwd }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: Outcome) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr })
  )

/** A folder outside the checkout, as a quant's own repository is. */
const elsewhere = (prefix: string) => mkdtempSync(join(tmpdir(), `meridian-${prefix}-`))

const backtest = (cwd: string, strategy: string, ...args: Array<string>) =>
  meridianIn(cwd, "backtest", "--strategy", strategy, "--data", sp500Path, "--no-store", ...args)

describe("strategies outside the checkout (a real process)", { timeout: 240_000 }, () => {
  it("scaffolds a strategy package that backtests from its folder and passes its own test", async () => {
    const repo = elsewhere("quant")
    const dir = join(repo, "buy-the-dip")
    const made = await meridianIn(repo, "new", "strategy", "buy-the-dip", "--dir", dir)
    expect(made.stderr).toBe("")
    expect(made.stdout).toMatch(/^created strategy-buy-the-dip in /)
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
    const root = JSON.parse(readFileSync(join(project, "package.json"), "utf8"))
    expect(pkg.dependencies).toEqual({ "@meridian/core": "0.1.0", effect: root.dependencies.effect })
    expect(pkg.meridian).toMatchObject({ id: "strategy-buy-the-dip", kind: "strategy", entry: "src/index.ts" })
    expect(readFileSync(join(dir, "README.md"), "utf8")).toMatch(/meridian backtest --strategy /)

    const result = await backtest(repo, dir, "--param", "lookback=50")
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^strategy-buy-the-dip on SP500-2000\.SIM: 5105 events, \d+ orders, [1-9]\d* fills/)

    // Its own test, with Meridian's node_modules standing in for `npm install`.
    symlinkSync(join(project, "node_modules"), join(dir, "node_modules"), "dir")
    const test = await exec(process.execPath, [join(project, "node_modules", "vitest", "vitest.mjs"), "run"], {
      cwd: dir,
      env: plainEnv,
      timeout: PROCESS_MS
    })
    expect(test.stdout).toMatch(/Tests {2}3 passed/)
  })

  it("refuses a bad name and a folder that is not empty, in one line", async () => {
    const repo = elsewhere("quant")
    const bad = await meridianIn(repo, "new", "strategy", "Buy_The_Dip")
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^meridian: "Buy_The_Dip" is not a strategy name: [^\n]*\n$/)
    writeFileSync(join(repo, "notes.txt"), "mine\n")
    const taken = await meridianIn(repo, "new", "strategy", "buy-the-dip", "--dir", repo)
    expect(taken.code).toBe(1)
    expect(taken.stderr).toBe(`meridian: ${repo} exists and is not an empty folder\n`)
    expect(readFileSync(join(repo, "notes.txt"), "utf8")).toBe("mine\n")
  })

  it("selects a workspace plugin by name, and says where it looked for an unknown one", async () => {
    const result = await backtest(project, "mean-reversion")
    expect(result.stderr).toBe("")
    expect(result.stdout).toMatch(/^strategy-mean-reversion on SP500-2000\.SIM: 5105 events/)
    const unknown = await backtest(elsewhere("quant"), "no-such-strategy")
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^meridian: unknown strategy no-such-strategy: [^\n]*plugins[^\n]*\n$/)
    const folder = elsewhere("quant")
    expect((await backtest(project, folder)).stderr).toBe(
      `meridian: ${folder} is a folder without a package.json, not a strategy plugin's package\n`
    )
  })

  it.scoped("runs a plugin installed into another folder, by name and by folder", () =>
    Effect.gen(function* () {
      const work = elsewhere("registry")
      const authors = join(work, "authors.json")
      writeFileSync(authors, JSON.stringify([{ author: "carol", tokenSha256: tokenSha256("t0k") }]))
      const { url } = yield* serve({ port: 0, dataDir: join(work, "data"), authorsFile: authors })
      const cli = (cwd: string, ...args: Array<string>) =>
        Effect.promise(() => meridianIn(cwd, ...args)).pipe(
          Effect.tap((outcome) => expect(outcome.stderr, args.join(" ")).toBe(""))
        )

      yield* cli(work, "new", "strategy", "momentum", "--dir", join(work, "momentum"))
      yield* cli(work, "plugin", "pack", join(work, "momentum"), "--out", work)
      yield* cli(
        work,
        "plugin",
        "publish",
        join(work, "strategy-momentum-0.1.0.tgz"),
        "--registry",
        url,
        "--token",
        "t0k"
      )
      const desk = elsewhere("desk")
      yield* cli(desk, "plugin", "install", "strategy-momentum", "--registry", url)

      // `plugin install` put it in the desk's plugins/ folder: found by name from there.
      const byName = yield* Effect.promise(() => backtest(desk, "momentum"))
      expect(byName.code).toBe(0)
      expect(byName.stdout).toMatch(/^strategy-momentum on SP500-2000\.SIM: 5105 events/)
      const byFolder = yield* Effect.promise(() => backtest(project, join(desk, "plugins", "strategy-momentum")))
      expect(byFolder.stdout).toBe(byName.stdout)
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
