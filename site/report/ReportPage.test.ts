import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { makeSpecs } from "../../core/domain/InstrumentSpec"
import { computeReport } from "../../core/report/Report"
import { AAPL, currencies } from "../../test/fixtures/instruments"
import { comparePage, loadChartLibrary, type ReportRun, runPage } from "./ReportPage"

const T0 = 1_704_153_600_000_000
const DAY = 86_400_000_000
const report = computeReport({
  baseCurrency: currencies.find((c) => c.code === "USD")!,
  specs: makeSpecs([AAPL], currencies),
  initialEquity: 10_000_000,
  equity: { ts: [T0, T0 + DAY, T0 + 2 * DAY], equity: [10_000_000, 9_000_000, 11_000_000], exposed: [0, 0, 0] },
  fills: []
})
const run: ReportRun = {
  strategy: "strategy-<script>alert(1)</script>",
  strategyVersion: "local",
  parameters: { note: "</script><script>alert(2)</script>" },
  settings: {},
  data: { sources: ["prices.csv"], from: T0, to: T0 + 2 * DAY },
  codeHash: "ab".repeat(32),
  report
}

describe("report pages", () => {
  it.effect("inline the charting library's standalone build", () =>
    Effect.gen(function* () {
      const library = yield* loadChartLibrary
      expect(library.version).toBe("5.2.1")
      expect(library.source).toContain("LightweightCharts")
      const html = runPage(library, run)
      expect(html.startsWith("<!doctype html>")).toBe(true)
      expect(html).toContain(library.source.slice(0, 200))
      // Nothing loaded from elsewhere (the browser test checks that no request goes out at all).
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/)
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it("escape what ran: no name or parameter can close a script or add markup", () => {
    const library = { version: "test", source: "window.LightweightCharts = {}" }
    for (const html of [runPage(library, run), comparePage(library, run, { ...run, id: "b" }, [])]) {
      // Three scripts: the data, the library and the drawing; nothing from the run opens or closes another.
      expect(html.match(/<script/g)).toHaveLength(3)
      expect(html.match(/<\/script>/g)).toHaveLength(3)
      expect(html).toContain("strategy-&#60;script&#62;alert(1)&#60;/script&#62;")
    }
  })

  it("give the statistics table the report's figures, by statistic", () => {
    const html = runPage({ version: "test", source: "" }, run)
    expect(html).toContain(`<tr data-stat="returnPct"><th>Return [%]</th><td class="n">10.00</td></tr>`)
    expect(html).toContain(`<tr data-stat="maxDrawdownPct"><th>Max. Drawdown [%]</th><td class="n">10.00</td></tr>`)
  })
})
