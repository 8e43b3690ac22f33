/**
 * The Control Panel in a real browser (Debian's Chromium through playwright-core): logins (a wrong password fails,
 * and after `MAX_FAILED_LOGINS` the right one is refused too), roles (an investor sees no page), CSRF (a POST without
 * the token is refused), and the backtest runs: a stored run is listed and opens its report page with its chart.
 * Screenshots go to `$TMPDIR/meridian-panel/`. Generous timeouts and no timing assertion: the machine is busy.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Browser, chromium, type Page } from "playwright-core"
import { MAX_FAILED_LOGINS } from "../../../site/panel/Panel"
import { browserRequired, chromiumPath } from "../../support/browser"
import { meridian, type Started, start, stop } from "./panelProcess"

const screenshots = join(tmpdir(), "meridian-panel")
const PAGE_TIMEOUT_MS = 30_000
const PASSWORD = "correct horse battery"

const source = chromiumPath()

if ("why" in source) {
  describe("Control Panel in Chromium", () => {
    if (browserRequired()) it("is required (MERIDIAN_TEST_BROWSER_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  describe("Control Panel in Chromium", () => {
    const dir = mkdtempSync(join(tmpdir(), "meridian-panel-"))
    let browser: Browser
    let panel: Started | undefined
    let runId = ""

    beforeAll(async () => {
      mkdirSync(screenshots, { recursive: true })
      const bars = Array.from({ length: 200 }, (_, i) => {
        const close = (100 + 10 * Math.sin((2 * Math.PI * i) / 40)).toFixed(2)
        const day = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10)
        return `${day},${close},${close},${close},${close},1000\n`
      })
      writeFileSync(join(dir, "WAVE.csv"), `Date,Open,High,Low,Close,Volume\n${bars.join("")}`)
      const stored = await meridian(dir, ["backtest", "--strategy", "sma-cross", "--data", "WAVE.csv"])
      runId = /run ([0-9a-f]{12}) stored\n/.exec(stored)?.[1] ?? ""
      expect(runId).not.toBe("")
      for (const [name, role] of [
        ["olga", "operator"],
        ["quinn", "quant"],
        ["ivy", "investor"]
      ] as const) {
        await meridian(dir, ["user", "add", name, "--role", role], `${PASSWORD}\n`)
      }
      panel = await start(dir, ["panel", "--port", "0"], /Control Panel on (http:\/\/\S+\/)/)
      browser = await chromium.launch({ executablePath: source.path, args: ["--no-sandbox"], timeout: 60_000 })
    }, 300_000)

    afterAll(async () => {
      await browser?.close()
      await stop(panel)
      rmSync(dir, { recursive: true, force: true })
    }, 60_000)

    const fresh = async (): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
      const page = await context.newPage()
      page.setDefaultTimeout(PAGE_TIMEOUT_MS)
      return page
    }

    const logIn = async (page: Page, name: string, password: string) => {
      await page.goto(`${panel!.url}login`)
      await page.fill("input[name=name]", name)
      await page.fill("input[name=password]", password)
      await Promise.all([page.waitForLoadState("domcontentloaded"), page.click("#login button")])
      return page
    }

    it("a wrong password fails, and after the limit even the right one is refused", async () => {
      const page = await fresh()
      for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
        await logIn(page, "quinn", "not the password")
        expect(await page.textContent("#message")).toBe("wrong name or password")
        expect(new URL(page.url()).pathname).toBe("/login")
      }
      await logIn(page, "quinn", PASSWORD)
      expect(await page.textContent("#message")).toMatch(/^too many failed logins for quinn/)
      await page.screenshot({ path: join(screenshots, "rate-limited.png") })
      // The session cookie was never set: the runs list sends the browser back to the login.
      await page.goto(`${panel!.url}runs`)
      expect(new URL(page.url()).pathname).toBe("/login")
      await page.context().close()
    })

    it("an investor is refused every page of the panel", async () => {
      const page = await logIn(await fresh(), "ivy", PASSWORD)
      expect(await page.textContent("#message")).toBe("the Control Panel is for operators, quants and admins")
      for (const path of ["runs", `runs/${runId}`, "services", "live", "risk", "orders/cancel?account=A&order=B"]) {
        const response = await page.goto(`${panel!.url}${path}`)
        expect(response?.status()).toBe(403)
      }
      await page.screenshot({ path: join(screenshots, "investor.png") })
      await page.context().close()
    })

    it("a POST without the CSRF token is refused, with it accepted", async () => {
      const page = await logIn(await fresh(), "olga", PASSWORD)
      const refused = await page.request.post(`${panel!.url}logout`, { form: { other: "x" }, maxRedirects: 0 })
      expect(refused.status()).toBe(403)
      expect(await refused.text()).toContain("CSRF token is missing or wrong")
      // Still signed in: the logout button (which carries the token) works.
      await page.goto(`${panel!.url}runs`)
      await Promise.all([page.waitForURL(/\/login$/), page.click("header button")])
      await page.context().close()
    })

    it("the runs list shows the stored run, filters it, and opens its report page with its chart drawn", async () => {
      const page = await logIn(await fresh(), "olga", PASSWORD)
      await page.goto(`${panel!.url}runs`)
      const row = page.locator(`#runs tr[data-run="${runId}"]`)
      expect(await row.count()).toBe(1)
      expect(await row.locator("td").nth(4).textContent()).toBe("strategy-sma-cross")
      await page.screenshot({ path: join(screenshots, "runs.png"), fullPage: true })
      // Filters: another strategy lists nothing; a date range before the run's creation neither.
      await page.goto(`${panel!.url}runs?strategy=nothing-like-it`)
      expect(await page.locator("#runs tbody tr").count()).toBe(0)
      await page.goto(`${panel!.url}runs?from=2000-01-01&to=2000-01-02`)
      expect(await page.locator("#runs tbody tr").count()).toBe(0)
      const bad = await page.goto(`${panel!.url}runs?from=yesterday`)
      expect(bad?.status()).toBe(400)
      expect(await page.textContent("#message")).toMatch(/^from: /)
      await page.goto(`${panel!.url}runs`)
      await Promise.all([page.waitForURL(new RegExp(`/runs/${runId}$`)), page.click(`a[href="/runs/${runId}"]`)])
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
      await page.screenshot({ path: join(screenshots, "run.png"), fullPage: true })
      await page.context().close()
    })
  })
}
