/**
 * `meridian up` and `meridian status` as a newcomer runs them: real processes in a fresh folder. The demo session
 * trades and ends by itself with its summary; `up --panel` (what `npm start` runs) serves the Control Panel with its
 * demo login, which signs in over HTTP, shows the demo's account live and its backtest's report, keeps serving after
 * the replay and exits 0 on SIGINT; a second start, with each service in a process of its own (`--processes`),
 * reuses the login, is reported up by `status`, stops cleanly on SIGTERM, and is then reported down.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"

const { DATABASE_URL: _, ...env } = process.env
const bin = join(process.cwd(), "runtimes", "node", "bin", "meridian.mjs")
const dirs: Array<string> = []
const children: Array<ChildProcess> = []

afterAll(() => {
  for (const child of children) child.kill("SIGKILL")
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const freshFolder = () => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-up-"))
  dirs.push(dir)
  return dir
}

const meridian = (cwd: string, ...args: Array<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 150_000, env }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr })
    )
  })

/** `meridian args` in the background, its output so far, and its exit code once it exits. */
const background = (cwd: string, ...args: Array<string>) => {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
  children.push(child)
  let output = ""
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  /** The first match of `pattern` in the output, once it is printed (the test's timeout bounds the wait). */
  const awaitLine = async (pattern: RegExp) => {
    for (;;) {
      const match = pattern.exec(output)
      if (match !== null) return match
      if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before ${pattern}: ${output}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return { child, exited, awaitLine, output: () => output }
}

/** Sign in to the panel at `url` over HTTP as a browser does (the login form's double-submitted token); the cookie. */
const signIn = async (url: string, name: string, password: string) => {
  const form = await fetch(`${url}login`)
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? ""
  const response = await fetch(`${url}login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `meridian_login=${token}` },
    body: new URLSearchParams({ name, password, _csrf: token }).toString()
  })
  expect(response.status).toBe(303)
  return /(meridian_session=[^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1] ?? ""
}

const sessionsIn = (cwd: string) => readdirSync(join(cwd, ".meridian", "sessions"))

describe("meridian up (real processes)", () => {
  it("the demo paper-trades replayed bars through the four services and ends with its summary", async () => {
    const cwd = freshFolder()
    const run = await meridian(cwd, "up")
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout.split("\n")
    const fills = lines.filter((line) =>
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}fill {6}(BUY|SELL) \d+ SPX\.SIM @ /.test(line)
    )
    const orders = lines.filter((line) => / {2}order {5}(BUY|SELL) \d+ SPX\.SIM market {2}sma-1-\d+$/.test(line))
    expect(fills.length).toBeGreaterThan(0)
    const summary = lines.find((line) => line.startsWith("Session "))
    expect(summary).toBe(`Session ${sessionsIn(cwd)[0]}: ${orders.length} orders, ${fills.length} fills, 0 rejected`)
    // Every service listened where the session's configuration says, and the keys are the owner's alone.
    const dir = join(cwd, ".meridian", "sessions", sessionsIn(cwd)[0]!)
    for (const service of ["accounts", "market-data", "execution", "strategies"]) {
      const { listen } = JSON.parse(readFileSync(join(dir, `${service}.json`), "utf8")) as { listen: { port: number } }
      expect(run.stdout).toContain(`tcp://127.0.0.1:${listen.port}`)
    }
    expect(statSync(join(dir, "keys.json")).mode & 0o077).toBe(0)
  }, 180_000)

  it("with --panel: the Control Panel and its demo login, the demo live and reported, serving until SIGINT; started again with --processes, the login kept, status reports each service up, SIGTERM stops them all, then status says down", async () => {
    const cwd = freshFolder()
    const first = background(cwd, "up", "--panel", "--port", "0", "--portal-port", "0")
    const [, url, password] = await first.awaitLine(/Control Panel {2}(http:\/\/\S+\/) {2}login demo, password: (\S+)/)
    expect(first.output()).toMatch(/Client Portal {2}http:\/\/\S+\/ {2}login demo-investor \(account PAPER-1\)/)
    // Kept for later starts, readable by its owner only.
    const kept = join(cwd, ".meridian", "demo-login.json")
    expect(JSON.parse(readFileSync(kept, "utf8"))).toEqual({ name: "demo", password })
    expect(statSync(kept).mode & 0o077).toBe(0)
    expect((await fetch(`${url}live`, { redirect: "manual" })).status).toBe(303)
    const cookie = await signIn(url!, "demo", password!)
    // The replay through: the summary, then the demo's backtest stored and its report page in the panel.
    const [report] = await first.awaitLine(/http:\/\/\S+\/runs\/[0-9a-f]{12}/)
    expect(first.output()).toMatch(/^Session \S+: \d+ orders, \d+ fills, 0 rejected$/m)
    const page = await fetch(report!, { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('id="chart"')
    await first.awaitLine(/keep serving until Ctrl-C/)
    // Still serving after the replay: the live page shows the demo's account and its fills.
    const live = await (await fetch(`${url}live`, { headers: { cookie } })).text()
    expect(live).toContain("<h2>Account PAPER-1")
    expect(live).toMatch(/class="fills"[\s\S]*SPX\.SIM/)
    first.child.kill("SIGINT")
    expect(await first.exited).toBe(0)

    // A second start finds the login: nothing created, the password not printed again, and it still signs in. It
    // runs each service in a process of its own (one session start for both checks: each is most of this test).
    const second = background(cwd, "up", "--panel", "--processes", "--port", "0", "--portal-port", "0")
    const [, again] = await second.awaitLine(/Control Panel {2}(http:\/\/\S+\/) {2}login demo \(password kept in \S+\)/)
    expect(second.output()).not.toContain(password!)
    expect(await signIn(again!, "demo", password!)).not.toBe("")
    // Once the first fill is printed every service is up and trading: status reports each up, with what it serves.
    await second.awaitLine(/ {2}fill {6}/)
    const up = await meridian(cwd, "status")
    expect(up.code, up.stderr).toBe(0)
    for (const service of ["accounts", "market-data", "execution", "strategies"]) {
      expect(up.stdout).toMatch(new RegExp(`^${service} +up +tcp://127\\.0\\.0\\.1:\\d+ +${service}-1 `, "m"))
    }
    expect(up.stdout).toMatch(/serves +market-data at \d+/)
    expect(up.stdout).toMatch(/serves +events\/0 at \d+/)
    expect(up.stdout).toMatch(/peer +market-data connected: market-data at \d+ \(lag \d+\)/)
    // The Execution Service reconciled with its venue on start, and the paper venue agreed.
    expect(up.stdout).toMatch(/^ {2}reconciled agreed at \S+$/m)
    // SIGTERM stops them all, and status then says so.
    second.child.kill("SIGTERM")
    expect(await second.exited).toBe(0)
    const down = await meridian(cwd, "status")
    expect(down.stdout.match(/ down /g)).toHaveLength(4)
  }, 420_000)
})
