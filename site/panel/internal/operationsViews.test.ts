import { describe, expect, it } from "@effect/vitest"
import type { ConfigChange } from "../../../core/db/ConfigAudit"
import { riskPage } from "./operationsViews"

const change: ConfigChange = {
  id: 3,
  sessionId: "20260101-000000",
  actor: "olga",
  action: "risk-limits.set",
  subject: "risk-limits:Account:ACC-1",
  ts: 1_767_225_600_000_000,
  before: {},
  after: { maxOrderQuantity: 7 },
  requestId: "r-3",
  outcome: "applied",
  message: null,
  reverts: null
}
const viewer = { name: "olga", roles: ["operator" as const], csrfToken: "t" }

describe("the risk page", () => {
  it("shows the audited changes when the Accounts Service cannot be asked, says why, and offers no revert", () => {
    const { html } = riskPage("the Accounts Service cannot be asked now: no answer in 5 s", [change], viewer, true)
    expect(html).toContain('<p id="message">the Accounts Service cannot be asked now: no answer in 5 s:')
    expect(html).toContain('<table id="changes">')
    expect(html).toContain("risk-limits:Account:ACC-1")
    expect(html).not.toContain("Revert to before")
    expect(html).not.toContain('id="kill-switches"')
  })

  it("offers the revert of an applied change when the service answered", () => {
    const controls = { scopes: [] }
    expect(riskPage(controls, [change], viewer, true).html).toContain("Revert to before")
    expect(riskPage(controls, [change], viewer, false).html).not.toContain("Revert to before")
  })
})
