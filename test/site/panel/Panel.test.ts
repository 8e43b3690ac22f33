/**
 * The Control Panel in a real browser (Debian's Chromium through playwright-core), over a running paper session
 * (`meridian up --stay`): one session, one panel and one browser for every test, each group of tests in its own
 * browser context signed in as its own user (starting them once per group was most of these tests' time).
 *
 * - Strategies and backtests: an admin deploys the SMA crossover to the session's Strategies Service (a bad parameter
 *   first: one line naming it), starts it and sees its fill appear live in its log; then launches a backtest of the
 *   session's history, watches it finish and opens its chart; each role is refused what it may not do.
 * - The session: the services page shows the four services up, refreshed over server-sent events, and the live page
 *   the account's positions and fills as the Accounts Service's `events/0` stream delivers them; an operator changes
 *   a risk limit, sees it applied and audited, reverts it, and halts and resumes the account (a quant may only look).
 * - Logins, roles and stored runs: a wrong password fails, and after `MAX_FAILED_LOGINS` the right one is refused
 *   too; an investor sees no page; a POST without the CSRF token is refused; a run stored by `meridian backtest` is
 *   listed and opens its report page with its chart.
 *
 * The session replays one day of minute bars, stamped from now on, at 240× (about 100 s), so the clock of the
 * session's orders and that of its data agree; its own strategy trades on them once, early. Screenshots go to
 * `test-artifacts/screenshots/panel/`. Generous timeouts and no timing assertion: the machine is busy.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Browser, chromium, type Page } from "playwright-core"
import { MAX_FAILED_LOGINS } from "../../../site/panel/Panel"
import { browserRequired, chromiumPath, drawnPixels, screenshotsDir } from "../../support/browser"
import { meridian, type Started, start, stop } from "./panelProcess"
import { addUsers } from "./panelUsers"

const screenshots = screenshotsDir("panel")
const PAGE_TIMEOUT_MS = 60_000
const PASSWORD = "correct horse battery"
const BARS = 390
const MINUTE_MS = 60_000

/**
 * Minute bars of AAPL from the last whole minute on, a price turning every four bars: a 2/4 crossover trades all
 * day. Bars 24 to 31 are 10 higher: the session's own 8/16 crossover, whose averages of whole turns are equal
 * otherwise, buys and sells once on them (a fill and a position for the live page, and a quiet Strategies Service).
 */
const barsCsv = (): string => {
  const first = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 2 * MINUTE_MS
  const rows = Array.from({ length: BARS }, (_, i) => {
    const price = 100 + 2 * Math.abs((i % 8) - 4) + (i >= 24 && i < 32 ? 10 : 0)
    const ts = new Date(first + i * MINUTE_MS).toISOString().replace(".000Z", "Z")
    return `${ts},${price}.00,${price + 1}.00,${price - 1}.00,${price}.00,1000`
  })
  return `Date,Open,High,Low,Close,Volume\n${rows.join("\n")}\n`
}

/** 200 daily bars of a wave (period 40 days) around 100, for the run `meridian backtest` stores. */
const waveCsv = (): string => {
  const bars = Array.from({ length: 200 }, (_, i) => {
    const close = (100 + 10 * Math.sin((2 * Math.PI * i) / 40)).toFixed(2)
    const day = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10)
    return `${day},${close},${close},${close},${close},1000\n`
  })
  return `Date,Open,High,Low,Close,Volume\n${bars.join("")}`
}

/** The session: its own strategy trades 10 shares on the bump of the bars. */
const sessionFile = {
  history: ".meridian/history",
  instruments: ["AAPL.XNAS"],
  pace: { speed: 240 },
  account: { id: "PAPER-1", name: "Paper", kind: "cash", baseCurrency: "USD", deposit: "100000" },
  strategies: [
    { id: "sma-1", strategy: "sma-cross", params: { fast: 8, slow: 16, sizing: "qty:10" }, account: "PAPER-1" }
  ],
  connector: { sim: { barFill: "next-open", commission: "0.001" } }
}

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
    let session: Started | undefined
    let panel: Started | undefined
    let runId = ""

    beforeAll(async () => {
      writeFileSync(join(dir, "bars.csv"), barsCsv())
      writeFileSync(join(dir, "WAVE.csv"), waveCsv())
      writeFileSync(join(dir, "session.json"), JSON.stringify(sessionFile))
      // One embedded database: the stored run (into its inbox), then the users, one after the other; the history
      // meanwhile. One user through the real `meridian user add`, the others in this process (see panelUsers.ts).
      const database = async () => {
        const stored = await meridian(dir, ["backtest", "--strategy", "sma-cross", "--data", "WAVE.csv"])
        runId = /run ([0-9a-f]{12}) stored\n/.exec(stored)?.[1] ?? ""
        await meridian(dir, ["user", "add", "ivy", "--role", "investor", "--account", "PAPER-1"], `${PASSWORD}\n`)
        await addUsers(dir, PASSWORD, [
          { name: "admin", role: "admin" },
          { name: "olga", role: "operator" },
          { name: "quinn", role: "quant" },
          // Only the test of the failed logins uses it: locked out, it keeps no other test from signing in.
          { name: "quentin", role: "quant" }
        ])
      }
      await Promise.all([database(), meridian(dir, ["data", "import", "bars.csv", "--instrument", "AAPL.XNAS"])])
      expect(runId).not.toBe("")
      session = await start(dir, ["up", "--stay", "--config", "session.json"], /(Session \S+|tcp:\/\/)/)
      const id = readdirSync(join(dir, ".meridian", "sessions"))[0]!
      panel = await start(dir, ["panel", "--port", "0", "--session", id], /Control Panel on (http:\/\/\S+\/)/)
      browser = await chromium.launch({ executablePath: source.path, args: ["--no-sandbox"], timeout: 60_000 })
    }, 300_000)

    afterAll(async () => {
      await browser?.close()
      await stop(panel)
      await stop(session)
      rmSync(dir, { recursive: true, force: true })
    }, 60_000)

    /** A page in a browser context of its own (its own cookies). */
    const fresh = async (): Promise<Page> => {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
      page.setDefaultTimeout(PAGE_TIMEOUT_MS)
      return page
    }

    /** Submit the login form on `page`, whatever the outcome. */
    const logIn = async (page: Page, name: string, password: string) => {
      await page.goto(`${panel!.url}login`)
      await page.fill("input[name=name]", name)
      await page.fill("input[name=password]", password)
      await Promise.all([page.waitForLoadState("domcontentloaded"), page.click("#login button")])
      return page
    }

    /** A fresh page signed in as the user of that name. */
    const signedIn = async (name: string): Promise<Page> => {
      const page = await fresh()
      await page.goto(`${panel!.url}login`)
      await page.fill("input[name=name]", name)
      await page.fill("input[name=password]", PASSWORD)
      await Promise.all([page.waitForURL((url) => !url.pathname.endsWith("/login")), page.click("#login button")])
      return page
    }

    // First: the deployment must trade while the session still replays its bars.
    describe("strategies and backtests", () => {
      let page: Page

      beforeAll(async () => {
        page = await signedIn("admin")
      }, 120_000)

      afterAll(() => page?.context().close())

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
        await Promise.all([page.waitForURL(/\/strategies(\/deploy)?$/), page.click("#deploy button")])
        // Deployed, back on the list; else the form again with why.
        expect(new URL(page.url()).pathname, (await page.locator("#message").allTextContents()).join()).toBe(
          "/strategies"
        )
        await page.waitForSelector('tr[data-deployment="dep-1"][data-state="stopped"]')
        await Promise.all([
          page.waitForURL(/\/strategies$/),
          page.click('tr[data-deployment="dep-1"] form.start button')
        ])
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
        expect(await drawnPixels(page)).toBeGreaterThan(1_000)
        await page.screenshot({ path: join(screenshots, "backtest.png"), fullPage: true })
      }, 180_000)

      it("refuses each role what it may not do, and a state change without its CSRF token", async () => {
        const operator = await signedIn("olga")
        const plugin = encodeURIComponent("strategy-sma-cross@0.1.0")
        expect((await operator.goto(`${panel!.url}strategies/deploy?plugin=${plugin}`))?.status()).toBe(403)
        expect((await operator.goto(`${panel!.url}backtests`))?.status()).toBe(403)
        expect((await operator.goto(`${panel!.url}strategies`))?.status()).toBe(200)
        // The operator's own form carries the token; the same request without it is refused.
        const stopped = await operator.request.post(`${panel!.url}strategies/dep-1/stop`, {
          form: {},
          maxRedirects: 0
        })
        expect(stopped.status()).toBe(403)
        await operator.context().close()
        const investor = await signedIn("ivy")
        for (const path of ["strategies", "backtests", "strategies/events"]) {
          expect((await investor.goto(`${panel!.url}${path}`))?.status()).toBe(403)
        }
        await investor.context().close()
        // An admin's request without the token is refused too, and changes nothing.
        const denied = await page.request.post(`${panel!.url}strategies/dep-1/stop`, { form: {}, maxRedirects: 0 })
        expect(denied.status()).toBe(403)
        await page.goto(`${panel!.url}strategies`)
        expect(await page.getAttribute('tr[data-deployment="dep-1"]', "data-state")).toBe("running")
      }, 120_000)
    })

    describe("the paper session", () => {
      let page: Page

      beforeAll(async () => {
        page = await signedIn("olga")
      }, 120_000)

      afterAll(() => page?.context().close())

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
        const quant = await signedIn("quinn")
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
        await page.goto(`${panel!.url}risk`)
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

    describe("logins, roles and stored runs", () => {
      it("a wrong password fails, and after the limit even the right one is refused", async () => {
        const page = await fresh()
        for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
          await logIn(page, "quentin", "not the password")
          expect(await page.textContent("#message")).toBe("wrong name or password")
          expect(new URL(page.url()).pathname).toBe("/login")
        }
        await logIn(page, "quentin", PASSWORD)
        expect(await page.textContent("#message")).toMatch(/^too many failed logins for quentin/)
        await page.screenshot({ path: join(screenshots, "rate-limited.png") })
        // The session cookie was never set: the runs list sends the browser back to the login.
        await page.goto(`${panel!.url}runs`)
        expect(new URL(page.url()).pathname).toBe("/login")
        await page.context().close()
      }, 120_000)

      it("an investor is refused every page of the panel", async () => {
        const page = await logIn(await fresh(), "ivy", PASSWORD)
        expect(await page.textContent("#message")).toBe("the Control Panel is for operators, quants and admins")
        for (const path of ["runs", `runs/${runId}`, "services", "live", "risk", "orders/cancel?account=A&order=B"]) {
          const response = await page.goto(`${panel!.url}${path}`)
          expect(response?.status()).toBe(403)
        }
        await page.screenshot({ path: join(screenshots, "investor.png") })
        await page.context().close()
      }, 120_000)

      it("a POST without the CSRF token is refused, with it accepted", async () => {
        const page = await logIn(await fresh(), "olga", PASSWORD)
        const refused = await page.request.post(`${panel!.url}logout`, { form: { other: "x" }, maxRedirects: 0 })
        expect(refused.status()).toBe(403)
        expect(await refused.text()).toContain("CSRF token is missing or wrong")
        // Still signed in: the logout button (which carries the token) works.
        await page.goto(`${panel!.url}runs`)
        await Promise.all([page.waitForURL(/\/login$/), page.click("header button")])
        await page.context().close()
      }, 120_000)

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
        expect(await drawnPixels(page)).toBeGreaterThan(1_000)
        await page.screenshot({ path: join(screenshots, "run.png"), fullPage: true })
        await page.context().close()
      }, 120_000)
    })
  })
}
