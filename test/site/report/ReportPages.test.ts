/**
 * The report pages in a real browser: `meridian backtest --html`, `runs show --html` and `runs compare --html` write
 * files that Chromium opens with every network request blocked, draws without a console error, and shows the run's
 * statistics and fills. Screenshots go to `test-artifacts/screenshots/report/` for a person to look at.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { Browser, Page } from "playwright-core"
import { browserRequired, chromiumPath, drawnPixels, launchWhile, screenshotsDir } from "../../support/browser"

const run = promisify(execFile)
/** Runs go into the embedded database of `--db-dir`, whatever the environment names. */
const { DATABASE_URL: _, ...env } = process.env
const bin = join(process.cwd(), "runtimes", "node", "bin", "meridian.mjs")
const meridian = async (...args: Array<string>) => {
  const { stdout, stderr } = await run(process.execPath, [bin, ...args], { timeout: 60_000, env })
  expect(stderr).toBe("")
  return stdout
}

const screenshots = screenshotsDir("report")
const PAGE_TIMEOUT_MS = 15_000

/** A statistic's value as the terminal table prints it, e.g. `Return [%]`. */
const printed = (stdout: string, label: string): string => {
  const line = stdout.split("\n").find((l) => l.startsWith(`${label} `))
  return line?.slice(label.length).trim() ?? "(missing)"
}

interface Opened {
  readonly page: Page
  /** Requests the page tried beyond its own file, all refused. */
  readonly blocked: ReadonlyArray<string>
  readonly errors: ReadonlyArray<string>
}

/** The file in a fresh page, offline: every request but the file itself is aborted and recorded. */
const open = async (browser: Browser, file: string): Promise<Opened> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true })
  const page = await context.newPage()
  page.setDefaultTimeout(PAGE_TIMEOUT_MS)
  const blocked: Array<string> = []
  const errors: Array<string> = []
  await context.route("**/*", (route) => {
    const url = route.request().url()
    if (url === `file://${file}`) return route.continue()
    blocked.push(url)
    return route.abort()
  })
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text())
  })
  page.on("pageerror", (error) => errors.push(error.message))
  await page.goto(`file://${file}`, { timeout: PAGE_TIMEOUT_MS })
  await page.waitForSelector("#chart[data-ready]")
  return { page, blocked, errors }
}

const statCell = (page: Page, key: string, column = 1) =>
  page
    .locator(`#statistics tr[data-stat="${key}"] td`)
    .nth(column - 1)
    .textContent()

const source = chromiumPath()

if ("why" in source) {
  describe("report pages in Chromium", () => {
    if (browserRequired()) it("is required (MERIDIAN_TEST_BROWSER_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  describe("report pages in Chromium", () => {
    const dir = mkdtempSync(join(tmpdir(), "meridian-report-"))
    const dbDir = join(dir, "db")
    let browser: Browser
    const runs: Array<{ id: string; stdout: string; html: string }> = []

    beforeAll(async () => {
      browser = await launchWhile(source.path, async () => {
        // 300 daily bars of a wave (period 40 days) around 100: the averages cross often.
        const bars = Array.from({ length: 300 }, (_, i) => {
          const close = (100 + 10 * Math.sin((2 * Math.PI * i) / 40) + i / 20).toFixed(2)
          const day = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10)
          return `${day},${close},${close},${close},${close},1000\n`
        })
        const prices = join(dir, "WAVE.csv")
        writeFileSync(prices, `Date,Open,High,Low,Close,Volume\n${bars.join("")}`)
        for (const [fast, slow] of [
          ["10", "30"],
          ["5", "20"]
        ]) {
          const html = join(dir, `backtest-${fast}-${slow}.html`)
          const stdout = await meridian(
            "backtest",
            "--strategy",
            "sma-cross",
            "--data",
            prices,
            "--db-dir",
            dbDir,
            "--param",
            `fast=${fast}`,
            "--param",
            `slow=${slow}`,
            "--html",
            html
          )
          const id = /run ([0-9a-f]{12}) stored\n/.exec(stdout)?.[1]
          expect(id).toBeDefined()
          runs.push({ id: id!, stdout, html })
        }
      })
    }, 120_000)

    afterAll(async () => {
      await browser?.close()
    })

    it("meridian backtest --html: one file, offline, with the price, a marker per fill, equity, drawdown and the statistics", async () => {
      const [first] = runs
      const html = readFileSync(first!.html, "utf8")
      // Self-contained: no script, style or image fetched from anywhere.
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=/i)
      const { page, blocked, errors } = await open(browser, first!.html)
      await page.screenshot({ path: join(screenshots, "backtest.png"), fullPage: true })
      expect(blocked).toEqual([])
      expect(errors).toEqual([])
      expect(await page.locator("#chart canvas").count()).toBeGreaterThan(0)
      expect(await drawnPixels(page)).toBeGreaterThan(5_000)
      expect(await page.getAttribute("#chart", "data-panes")).toBe("3")
      const fills = Number(/, (\d+) fills,/.exec(first!.stdout)?.[1])
      expect(fills).toBeGreaterThan(4)
      expect(Number(await page.getAttribute("#chart", "data-markers"))).toBe(fills)
      expect(await statCell(page, "returnPct")).toBe(printed(first!.stdout, "Return [%]"))
      expect(await statCell(page, "sharpe")).toBe(printed(first!.stdout, "Sharpe Ratio"))
      expect(await statCell(page, "trades")).toBe(printed(first!.stdout, "# Trades"))
      expect(await statCell(page, "finalEquity")).toBe(printed(first!.stdout, "Equity Final"))
      expect(await page.title()).toContain(first!.id)
      await page.context().close()
    }, 60_000)

    it("meridian runs show --html: the stored run's page, its round trips marked on the equity curve", async () => {
      const [first] = runs
      const file = join(dir, "show.html")
      const stdout = await meridian("runs", "show", first!.id, "--db-dir", dbDir, "--html", file)
      expect(stdout).toMatch(new RegExp(`wrote ${file} \\(\\d+ KiB\\)`))
      const { page, blocked, errors } = await open(browser, file)
      await page.screenshot({ path: join(screenshots, "runs-show.png"), fullPage: true })
      expect(blocked).toEqual([])
      expect(errors).toEqual([])
      expect(await drawnPixels(page)).toBeGreaterThan(5_000)
      // Without a stored price series: equity and drawdown, an entry and an exit marker per round trip.
      expect(await page.getAttribute("#chart", "data-panes")).toBe("2")
      const trades = Number(/^trades: (\d+)$/m.exec(stdout)?.[1])
      expect(Number(await page.getAttribute("#chart", "data-markers"))).toBe(2 * trades)
      expect(await page.locator("#trades tr").count()).toBe(trades + 1)
      expect(await statCell(page, "returnPct")).toBe(printed(first!.stdout, "Return [%]"))
      expect(await statCell(page, "maxDrawdownPct")).toBe(printed(first!.stdout, "Max. Drawdown [%]"))
      await page.context().close()
    }, 60_000)

    it("meridian runs compare --html: both curves overlaid, statistics and parameters side by side", async () => {
      const [a, b] = runs
      const file = join(dir, "compare.html")
      await meridian("runs", "compare", a!.id, b!.id, "--db-dir", dbDir, "--html", file)
      const { page, blocked, errors } = await open(browser, file)
      await page.screenshot({ path: join(screenshots, "runs-compare.png"), fullPage: true })
      expect(blocked).toEqual([])
      expect(errors).toEqual([])
      expect(await drawnPixels(page)).toBeGreaterThan(5_000)
      expect(await page.getAttribute("#chart", "data-panes")).toBe("2")
      expect(await page.locator(".legend").textContent()).toBe(`${a!.id}${b!.id}`)
      const data = JSON.parse((await page.locator("#meridian-report-data").textContent()) ?? "{}")
      expect(data.runs.map((r: { readonly label: string }) => r.label)).toEqual([a!.id, b!.id])
      expect(await statCell(page, "returnPct", 1)).toBe(printed(a!.stdout, "Return [%]"))
      expect(await statCell(page, "returnPct", 2)).toBe(printed(b!.stdout, "Return [%]"))
      const fast = page.locator("#ran tr.differs", { hasText: "parameters.fast" })
      expect(await fast.locator("td").allTextContents()).toEqual(["10", "5"])
      await page.context().close()
    }, 60_000)
  })
}
