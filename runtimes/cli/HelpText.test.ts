import { HelpDoc } from "@effect/cli"
import * as Span from "@effect/cli/HelpDoc/Span"
import { describe, expect, it } from "@effect/vitest"
import { docText, plainHelp } from "./HelpText"

describe("HelpText", () => {
  it("docText renders a help document as one plain line", () => {
    const doc = HelpDoc.sequence(
      HelpDoc.p(Span.concat(Span.text("Expected "), Span.code("--strategy"))),
      HelpDoc.descriptionList([[Span.text("--data"), HelpDoc.p("a file\nof bars")]])
    )
    expect(docText(doc)).toBe("Expected --strategy; --data: a file of bars")
  })

  it("plainHelp drops generic type lines and colour, wraps at the width, lists commands by name", () => {
    const help = [
      "\u001b[1m--seed integer\u001b[0m",
      "",
      "  An integer.",
      "",
      `  ${"word ".repeat(30).trim()}`,
      "",
      "COMMANDS",
      "",
      `  - backtest --strategy text ${"[--x text] ".repeat(20)}  Backtest a strategy`,
      "",
      "  - info                  Print the version"
    ].join("\n")
    const text = plainHelp(help, { width: 40, color: false })
    expect(text).not.toContain("\u001b")
    expect(text).not.toContain("An integer.")
    expect(text.split("\n").every((line) => line.length <= 40)).toBe(true)
    expect(text).toContain("\n  backtest  Backtest a strategy\n  info      Print the version")
  })
})
