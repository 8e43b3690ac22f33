/**
 * The Control Panel's strategies and backtests pages over a paper session in Chromium: an admin deploys the SMA
 * crossover to the session's Strategies Service (a bad parameter first: one line naming it), starts it and sees its
 * fill appear live in its log; then launches a backtest of the session's history, watches it finish and opens its
 * chart. The session replays one day of minute bars, stamped from now on, at 240× (about 100 s), so the clock of the
 * session's orders and that of its data agree. Generous timeouts, no timing assertion.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Browser, chromium, type Page } from "playwright-core"
import { browserRequired, chromiumPath } from "../../support/browser"
import { meridian, type Started, start, stop } from "./panelProcess"

const screenshots = join(tmpdir(), "meridian-panel")
const PASSWORD = "correct horse battery"
const BARS = 390
const MINUTE_MS = 60_000

/** Minute bars of AAPL from the last whole minute on, a price turning every four bars: a 2/4 crossover trades. */
const barsCsv = (): string => {
  const first = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 2 * MINUTE_MS
  const rows = Array.from({ length: BARS }, (_, i) => {
    const price = 100 + 2 * Math.abs((i % 8) - 4)
    const ts = new Date(first + i * MINUTE_MS).toISOString().replace(".000Z", "Z")
    return `${ts},${price}.00,${price + 1}.00,${price - 1}.00,${price}.00,1000`
  })
  return `Date,Open,High,Low,Close,Volume\n${rows.join("\n")}\n`
}

/** The session: its own strategy never trades (its slow average needs more bars than there are). */
const sessionFile = {
  history: ".meridian/history",
  instruments: ["AAPL.XNAS"],
  pace: { speed: 240 },
  account: { id: "PAPER-1", name: "Paper", kind: "cash", baseCurrency: "USD", deposit: "100000" },
  strategies: [{ id: "sma-1", strategy: "sma-cross", params: { fast: 300, slow: 1000 }, account: "PAPER-1" }],
  connector: { sim: { barFill: "next-open", commission: "0.001" } }
}

const source = chromiumPath()

if ("why" in source) {
  describe("Control Panel strategies and backtests in Chromium", () => {
    if (browserRequired()) it("is required (MERIDIAN_TEST_BROWSER_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  describe("Control Panel strategies and backtests in Chromium", () => {
    const dir = mkdtempSync(join(tmpdir(), "meridian-panel-strategies-"))
    let browser: Browser
    let session: Started | undefined
    let panel: Started | undefined
    let page: Page

    beforeAll(async () => {
      mkdirSync(screenshots, { recursive: true })
      writeFileSync(join(dir, "bars.csv"), barsCsv())
      writeFileSync(join(dir, "session.json"), JSON.stringify(sessionFile))
      // The users one after the other (one embedded database), the history meanwhile.
      const users = async () => {
        for (const role of ["admin", "operator", "investor"]) {
          const account = role === "investor" ? ["--account", "PAPER-1"] : []
          await meridian(dir, ["user", "add", role, "--role", role, ...account], `${PASSWORD}\n`)
        }
      }
      await Promise.all([users(), meridian(dir, ["data", "import", "bars.csv", "--instrument", "AAPL.XNAS"])])
      session = await start(dir, ["up", "--stay", "--config", "session.json"], /(Session \S+|tcp:\/\/)/)
      const id = readdirSync(join(dir, ".meridian", "sessions"))[0]!
      panel = await start(dir, ["panel", "--port", "0", "--session", id], /Control Panel on (http:\/\/\S+\/)/)
      browser = await chromium.launch({ executablePath: source.path, args: ["--no-sandbox"], timeout: 60_000 })
      page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
      page.setDefaultTimeout(60_000)
      await signIn(page, "admin")
    }, 300_000)

    /** Sign in on `p` as the user of that name. */
    const signIn = async (p: Page, name: string) => {
      await p.goto(`${panel!.url}login`)
      await p.fill("input[name=name]", name)
      await p.fill("input[name=password]", PASSWORD)
      await Promise.all([p.waitForURL((url) => !url.pathname.endsWith("/login")), p.click("#login button")])
    }

    afterAll(async () => {
      await browser?.close()
      await stop(panel)
      await stop(session)
      rmSync(dir, { recursive: true, force: true })
    }, 60_000)

    it("deploys the SMA crossover, starts it and sees its fill appear live", async () => {
      await page.goto(`${panel!.url}strategies`)
      await Promise.all([
        page.waitForURL(/\/strategies\/deploy\?/),
        page.click('tr[data-plugin^="strategy-sma-cross@"] a.deploy')
      ])
      await page.fill("input[name=id]", "dep-1")
      await page.fill('input[name="param.fast"]', "two")
      await page.click("#deploy button")
      expect(await page.textContent("#message")).toMatch(/^params\.fast: [^;]*$/)
      await page.goBack()
      await page.fill("input[name=id]", "dep-1")
      await page.fill('input[name="param.fast"]', "2")
      await page.fill('input[name="param.slow"]', "4")
      await page.fill('input[name="param.sizing"]', "qty:10")
      await Promise.all([page.waitForURL(/\/strategies$/), page.click("#deploy button")])
      await page.waitForSelector('tr[data-deployment="dep-1"][data-state="stopped"]')
      await Promise.all([page.waitForURL(/\/strategies$/), page.click('tr[data-deployment="dep-1"] form.start button')])
      // The table and its log arrive over the event stream as the Strategies Service reports them.
      await page.waitForSelector('tr[data-deployment="dep-1"][data-state="running"]')
      await page.waitForFunction(
        `/fill buy 10 AAPL.XNAS/.test(document.querySelector('tr[data-logs="dep-1"]')?.textContent ?? "")`,
        undefined,
        { timeout: 120_000 }
      )
      expect(Number(await page.textContent('tr[data-deployment="dep-1"] .orders'))).toBeGreaterThan(0)
      await page.screenshot({ path: join(screenshots, "strategies.png"), fullPage: true })
    }, 180_000)

    it("launches a backtest of the session's history, watches it finish and opens its chart", async () => {
      await page.goto(`${panel!.url}backtests?plugin=${encodeURIComponent("strategy-sma-cross@0.1.0")}`)
      expect(await page.inputValue("input[name=instruments]")).toBe("AAPL.XNAS")
      await page.fill('input[name="param.fast"]', "2")
      await page.fill('input[name="param.slow"]', "4")
      await Promise.all([page.waitForURL(/\/backtests\/[A-Za-z0-9_-]{16}$/), page.click("#launch button")])
      await page.waitForSelector('#progress:not([data-state="running"])', { timeout: 120_000 })
      // A failure names why; the worker's own output is in the panel's.
      expect(await page.textContent("#progress"), panel!.output().slice(-3000)).not.toMatch(/failed/)
      expect(await page.textContent("#percent")).toBe("100%")
      await Promise.all([page.waitForURL(/\/runs\/[0-9a-f]{12}$/), page.click("#report")])
      await page.waitForSelector("#chart[data-ready]")
      const drawn = await page.evaluate(`(() => {
        let drawn = 0
        for (const canvas of document.querySelectorAll("#chart canvas")) {
          if (canvas.width === 0 || canvas.height === 0) continue
          const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data
          for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && !(data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) drawn++
        }
        return drawn
      })()`)
      expect(drawn).toBeGreaterThan(1_000)
      await page.screenshot({ path: join(screenshots, "backtest.png"), fullPage: true })
    }, 180_000)

    it("refuses each role what it may not do, and a state change without its CSRF token", async () => {
      const as = async (name: string) => {
        const p = await browser.newPage()
        p.setDefaultTimeout(60_000)
        await signIn(p, name)
        return p
      }
      const operator = await as("operator")
      const plugin = encodeURIComponent("strategy-sma-cross@0.1.0")
      expect((await operator.goto(`${panel!.url}strategies/deploy?plugin=${plugin}`))?.status()).toBe(403)
      expect((await operator.goto(`${panel!.url}backtests`))?.status()).toBe(403)
      expect((await operator.goto(`${panel!.url}strategies`))?.status()).toBe(200)
      // The operator's own form carries the token; the same request without it is refused.
      const stopped = await operator.request.post(`${panel!.url}strategies/dep-1/stop`, { form: {}, maxRedirects: 0 })
      expect(stopped.status()).toBe(403)
      await operator.close()
      const investor = await as("investor")
      for (const path of ["strategies", "backtests", "strategies/events"]) {
        expect((await investor.goto(`${panel!.url}${path}`))?.status()).toBe(403)
      }
      await investor.close()
      // An admin's request without the token is refused too, and changes nothing.
      const denied = await page.request.post(`${panel!.url}strategies/dep-1/stop`, { form: {}, maxRedirects: 0 })
      expect(denied.status()).toBe(403)
      await page.goto(`${panel!.url}strategies`)
      expect(await page.getAttribute('tr[data-deployment="dep-1"]', "data-state")).toBe("running")
    }, 120_000)
  })
}
