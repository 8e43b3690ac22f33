/**
 * The Client Portal and the Control Panel in Chromium over a running Accounts Service (`meridian service accounts`
 * with an investor's account, in a session folder `meridian panel` opens): an investor requests a deposit and a
 * withdrawal in the portal, an operator approves each on the panel's cash-request page, and the investor sees both
 * done and the cash that is left. Screenshots go to `test-artifacts/screenshots/portal/`. Generous timeouts, no timing
 * assertion: the machine is busy.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { Browser, Page } from "playwright-core"
import { freePort } from "../../../runtimes/cli/FreePort"
import { browserRequired, chromiumPath, launchWhile, screenshotsDir } from "../../support/browser"
import { meridian, type Started, start, stop } from "../panel/panelProcess"
import { addUsers } from "../panel/panelUsers"

const screenshots = screenshotsDir("portal")
const PASSWORD = "correct horse battery"
const KEY = "portal-flow-key-0123456789"
const source = chromiumPath()

if ("why" in source) {
  describe("Client Portal cash requests in Chromium", () => {
    if (browserRequired()) it("is required (MERIDIAN_TEST_BROWSER_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  describe("Client Portal cash requests in Chromium", () => {
    const dir = mkdtempSync(join(tmpdir(), "meridian-portal-"))
    let browser: Browser
    let accounts: ChildProcess | undefined
    let panel: Started | undefined
    let panelUrl = ""
    let portalUrl = ""

    beforeAll(async () => {
      browser = await launchWhile(source.path, async () => {
        // A session folder whose only running service is its Accounts Service: what the portal and cash requests need.
        const session = join(dir, ".meridian", "sessions", "20260101-000000")
        mkdirSync(session, { recursive: true })
        writeFileSync(join(session, "keys.json"), JSON.stringify({ MERIDIAN_KEY_CLI: KEY }), { mode: 0o600 })
        writeFileSync(
          join(session, "accounts.json"),
          JSON.stringify({
            listen: { host: "127.0.0.1", port: await freePort() },
            instance: "accounts-1",
            keys: { cli: { env: "MERIDIAN_KEY_CLI" } },
            journalDir: "journal",
            shards: [{ accounts: [{ id: "INV-1", name: "Ivy's fund", kind: "cash", baseCurrency: "USD" }] }]
          })
        )
        // The panel reads the other services' configurations too: none of them runs here.
        writeFileSync(join(session, "market-data.json"), JSON.stringify({ source: {} }))
        const nowhere = { listen: { host: "127.0.0.1", port: await freePort() } }
        writeFileSync(join(session, "strategies.json"), JSON.stringify(nowhere))
        writeFileSync(join(session, "execution.json"), JSON.stringify(nowhere))
        const bin = join(process.cwd(), "runtimes", "node", "bin", "meridian.mjs")
        accounts = spawn(process.execPath, [bin, "service", "accounts", "--config", join(session, "accounts.json")], {
          cwd: dir,
          env: { ...process.env, MERIDIAN_KEY_CLI: KEY },
          stdio: "ignore"
        })
        // The investor through the real `meridian user add`; the operator in this process (see panelUsers.ts).
        await meridian(dir, ["user", "add", "ivy", "--role", "investor", "--account", "INV-1"], `${PASSWORD}\n`)
        await addUsers(dir, PASSWORD, [{ name: "olga", role: "operator" }])
        panel = await start(
          dir,
          ["panel", "--port", "0", "--portal-port", "0", "--session", "20260101-000000"],
          /Client Portal on (http:\/\/\S+\/)/
        )
        portalUrl = panel.url
        panelUrl = /Control Panel on (http:\/\/\S+\/)/.exec(panel.output())?.[1] ?? ""
      })
    }, 300_000)

    afterAll(async () => {
      await browser?.close()
      await stop(panel)
      accounts?.kill("SIGTERM")
      rmSync(dir, { recursive: true, force: true })
    }, 60_000)

    const logIn = async (url: string, name: string): Promise<Page> => {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
      page.setDefaultTimeout(60_000)
      await page.goto(`${url}login`)
      await page.fill("input[name=name]", name)
      await page.fill("input[name=password]", PASSWORD)
      await Promise.all([page.waitForLoadState("domcontentloaded"), page.click("#login button")])
      return page
    }

    /** The investor asks; the operator approves; the investor sees the request done. */
    const askAndApprove = async (investor: Page, operator: Page, kind: string, amount: string) => {
      await investor.goto(`${portalUrl}accounts/INV-1`)
      await investor.selectOption("#cash-request select[name=kind]", kind)
      await investor.fill("#cash-request input[name=amount]", amount)
      await Promise.all([investor.waitForURL(/#requests$/), investor.click("#cash-request button")])
      const id = await investor.getAttribute('#requests tr[data-status="pending"]', "data-request")
      expect(id).not.toBeNull()
      await operator.goto(`${panelUrl}cash-requests`)
      await Promise.all([
        operator.waitForURL(/\/cash-requests$/),
        operator.click(`#cash-requests tr[data-request="${id}"] button.approve`)
      ])
      expect(await operator.locator(`#cash-requests tr[data-request="${id}"]`).count()).toBe(0)
      await investor.reload()
      expect(await investor.getAttribute(`#requests tr[data-request="${id}"]`, "data-status")).toBe("done")
    }

    it("an investor's withdrawal, approved by an operator, is done", async () => {
      const investor = await logIn(portalUrl, "ivy")
      expect(await investor.locator('#accounts tr[data-account="INV-1"]').count()).toBe(1)
      const operator = await logIn(panelUrl, "olga")
      await askAndApprove(investor, operator, "deposit", "1000.00")
      await askAndApprove(investor, operator, "withdrawal", "250.00")
      expect(await investor.textContent('#cash tr[data-currency="USD"] td:last-child')).toBe("750.00")
      expect(await investor.textContent("#nav")).toBe("750.00 USD")
      await investor.waitForSelector("#chart[data-ready]")
      // One year of history: the service's time before its first input is no sample.
      expect(await investor.locator("#monthly tbody tr").count()).toBe(1)
      await investor.screenshot({ path: join(screenshots, "account.png"), fullPage: true })
      // Beyond the cash left: refused with one line, nothing asked of the operator.
      await investor.fill("#cash-request input[name=amount]", "750.01")
      await investor.selectOption("#cash-request select[name=kind]", "withdrawal")
      await Promise.all([investor.waitForLoadState("domcontentloaded"), investor.click("#cash-request button")])
      expect(await investor.textContent("#message")).toBe(
        "amount: a withdrawal of 750.01 USD exceeds the available cash"
      )
    }, 180_000)
  })
}
