/**
 * The Control Panel over a running paper session (`meridian up --stay`) in Chromium: the services page shows the
 * four services up, refreshed over server-sent events, and the live page shows the account's positions and fills
 * as the Accounts Service's `events/0` stream delivers them; an operator changes a risk limit, sees it applied and
 * audited, reverts it, and halts and resumes the account (a quant may only look; no change without the CSRF token).
 * Generous timeouts, no timing assertion.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Browser, chromium, type Page } from "playwright-core"
import { browserRequired, chromiumPath } from "../../support/browser"
import { meridian, type Started, start, stop } from "./panelProcess"

const screenshots = join(tmpdir(), "meridian-panel")
const PAGE_TIMEOUT_MS = 60_000
const PASSWORD = "correct horse battery"

const source = chromiumPath()

if ("why" in source) {
  describe("Control Panel over a paper session in Chromium", () => {
    if (browserRequired()) it("is required (MERIDIAN_TEST_BROWSER_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  describe("Control Panel over a paper session in Chromium", () => {
    const dir = mkdtempSync(join(tmpdir(), "meridian-panel-live-"))
    let browser: Browser
    let session: Started | undefined
    let panel: Started | undefined
    let page: Page

    beforeAll(async () => {
      mkdirSync(screenshots, { recursive: true })
      await meridian(dir, ["user", "add", "olga", "--role", "operator"], `${PASSWORD}\n`)
      await meridian(dir, ["user", "add", "quinn", "--role", "quant"], `${PASSWORD}\n`)
      // The session's folder (and its keys) exists once it prints its first line.
      session = await start(dir, ["up", "--stay"], /(Session \S+|tcp:\/\/)/)
      const sessions = join(dir, ".meridian", "sessions")
      while (!existsSync(sessions) || readdirSync(sessions).length === 0) await new Promise((r) => setTimeout(r, 100))
      const id = readdirSync(sessions)[0]!
      panel = await start(dir, ["panel", "--port", "0", "--session", id], /Control Panel on (http:\/\/\S+\/)/)
      browser = await chromium.launch({ executablePath: source.path, args: ["--no-sandbox"], timeout: 60_000 })
      page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
      page.setDefaultTimeout(PAGE_TIMEOUT_MS)
      await page.goto(`${panel.url}login`)
      await page.fill("input[name=name]", "olga")
      await page.fill("input[name=password]", PASSWORD)
      await Promise.all([page.waitForURL(/\/services$/), page.click("#login button")])
    }, 300_000)

    afterAll(async () => {
      await browser?.close()
      await stop(panel)
      await stop(session)
      rmSync(dir, { recursive: true, force: true })
    }, 60_000)

    it("the services page shows the four services up, refreshed live", async () => {
      await page.goto(`${panel!.url}services`)
      // The table arrives over the event stream; every service answers once the session is up.
      await page.waitForFunction(
        `document.querySelectorAll('#services tr[data-health="up"]').length === 4`,
        undefined,
        { timeout: 120_000 }
      )
      for (const service of ["accounts", "market-data", "execution", "strategies"]) {
        const row = page.locator(`#services tr[data-service="${service}"]`)
        expect(await row.getAttribute("data-health")).toBe("up")
      }
      const first = await page.getAttribute("#live", "data-updated")
      await page.waitForFunction(`document.getElementById("live").dataset.updated !== ${JSON.stringify(first)}`)
      await page.screenshot({ path: join(screenshots, "services.png"), fullPage: true })
    }, 180_000)

    it("the live page shows the account's positions and fills from the Accounts Service's events", async () => {
      await page.goto(`${panel!.url}live`)
      await page.waitForSelector("section.account .fills tbody tr", { timeout: 120_000 })
      await page.waitForSelector("section.account .positions tbody tr")
      const seenAt = Number(await page.textContent("#last-seq"))
      expect(seenAt).toBeGreaterThan(0)
      // Pushed by the server: the fragment is replaced as events arrive (at least once after the page loaded).
      await page.waitForSelector("#live[data-updated]")
      expect(Number(await page.textContent("#last-seq"))).toBeGreaterThanOrEqual(seenAt)
      expect(await page.textContent("section.account h2")).toMatch(/^Account \S+/)
      await page.screenshot({ path: join(screenshots, "live.png"), fullPage: true })
    }, 180_000)

    it("an operator changes a risk limit, sees it applied and audited, reverts it, and halts and resumes the account", async () => {
      await page.goto(`${panel!.url}risk`)
      const account = page.locator('#limits tr[data-scope="Account:PAPER-1"]')
      await Promise.all([page.waitForURL(/\/risk\/edit/), account.locator("a").click()])
      // A bad value is refused with the field named, and nothing is sent.
      await page.fill("input[name=maxOrderQuantity]", "-3")
      await Promise.all([page.waitForLoadState("domcontentloaded"), page.click("#limits-form button")])
      expect(await page.textContent("#message")).toMatch(/^maxOrderQuantity: /)
      await page.goBack()
      await page.fill("input[name=maxOrderQuantity]", "7")
      await Promise.all([page.waitForURL(/\/risk$/), page.click("#limits-form button")])
      expect(await account.locator('[data-limit="maxOrderQuantity"]').textContent()).toBe("7")
      const set = page.locator("#changes tbody tr").first()
      expect(await set.getAttribute("data-outcome")).toBe("applied")
      expect(await set.locator("td").nth(2).textContent()).toBe("olga")
      expect(await set.locator("td").nth(3).textContent()).toBe("risk-limits.set")
      await page.screenshot({ path: join(screenshots, "risk.png"), fullPage: true })
      // Back to the version before it: no limit.
      await Promise.all([page.waitForURL(/\/risk$/), set.locator("button").click()])
      expect(await account.locator('[data-limit="maxOrderQuantity"]').textContent()).toBe("")
      expect(await page.locator("#changes tbody tr").first().locator("td").nth(3).textContent()).toMatch(
        /^risk-limits\.revert \(of \d+\)$/
      )
      // The kill switch: halted (its open orders canceled) until resumed.
      const halt = page.locator('#kill-switches tr[data-scope="Account:PAPER-1"]')
      await page.fill('#kill-switches tr[data-scope="Account:PAPER-1"] input[name=reason]', "browser test")
      await Promise.all([page.waitForURL(/\/risk$/), halt.locator("button").click()])
      expect(await halt.getAttribute("data-halted")).toBe("true")
      await Promise.all([page.waitForURL(/\/risk$/), halt.locator("button").click()])
      expect(await halt.getAttribute("data-halted")).toBe("false")
      expect(await page.locator("#changes tbody tr td:nth-child(4)").allTextContents()).toEqual(
        expect.arrayContaining(["trading.halt", "trading.resume"])
      )
      // A cancel goes to the Accounts Service like a strategy's: one of an order it does not hold is refused, audited.
      await page.goto(`${panel!.url}orders/cancel?account=PAPER-1&order=no-such-order`)
      await Promise.all([page.waitForLoadState("domcontentloaded"), page.click("#cancel button")])
      expect(await page.textContent("#message")).toMatch(
        /^the Accounts Service refused it: no working order no-such-order/
      )
      await page.goto(`${panel!.url}risk`)
      const cancel = page.locator("#changes tbody tr").first()
      expect(await cancel.getAttribute("data-outcome")).toBe("refused")
      expect(await cancel.locator("td").nth(3).textContent()).toBe("order.cancel")
    }, 180_000)

    it("a quant sees the limits but may not change them; no change goes through without the CSRF token", async () => {
      const quant = await (await browser.newContext()).newPage()
      await quant.goto(`${panel!.url}login`)
      await quant.fill("input[name=name]", "quinn")
      await quant.fill("input[name=password]", PASSWORD)
      await Promise.all([quant.waitForURL(/\/runs$/), quant.click("#login button")])
      await quant.goto(`${panel!.url}risk`)
      expect(await quant.locator('#limits tr[data-scope="Account:PAPER-1"]').count()).toBe(1)
      expect(await quant.locator("#kill-switches button, #changes button, #limits a").count()).toBe(0)
      const csrf = await quant.getAttribute("header input[name=_csrf]", "value")
      const asQuant = await quant.request.post(`${panel!.url}risk/limits`, {
        form: { _csrf: csrf ?? "", scope: "Account:PAPER-1", maxOrderQuantity: "1" },
        maxRedirects: 0
      })
      expect(asQuant.status()).toBe(403)
      expect((await quant.request.get(`${panel!.url}risk/edit?scope=Firm`)).status()).toBe(403)
      await quant.context().close()
      const changes = await page.locator("#changes tbody tr").count()
      for (const [path, form] of [
        ["risk/limits", { scope: "Account:PAPER-1", maxOrderQuantity: "1" }],
        ["risk/halt", { scope: "Firm", halted: "true" }],
        ["orders/cancel", { accountId: "PAPER-1", clientOrderId: "x" }]
      ] as const) {
        const refused = await page.request.post(`${panel!.url}${path}`, { form, maxRedirects: 0 })
        expect(refused.status()).toBe(403)
      }
      await page.goto(`${panel!.url}risk`)
      expect(await page.locator("#changes tbody tr").count()).toBe(changes)
    }, 60_000)
  })
}
