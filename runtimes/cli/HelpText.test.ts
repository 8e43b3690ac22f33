import { CliConfig, CommandDescriptor, HelpDoc } from "@effect/cli"
import * as Span from "@effect/cli/HelpDoc/Span"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { command } from "./Cli"
import { docText, helpDocText, plainHelp, requestedHelp } from "./HelpText"

const testApp = { name: "meridian", version: "1.2.3" }

/** Every command's words (`[]`, `["runs"]`, `["runs", "list"]`, ...), from the command tree. */
const commandPaths = (): Array<Array<string>> => {
  type Node = { _tag: string; name?: string; command?: Node; parent?: Node; children?: ReadonlyArray<Node> }
  const nameOf = (node: Node): string =>
    node._tag === "Map" ? nameOf(node.command!) : node._tag === "Subcommands" ? nameOf(node.parent!) : node.name!
  const paths: Array<Array<string>> = [[]]
  const walk = (node: Node, path: Array<string>): void => {
    if (node._tag === "Map") {
      walk(node.command!, path)
      return
    }
    for (const child of node._tag === "Subcommands" ? node.children! : []) {
      paths.push([...path, nameOf(child)])
      walk(child, [...path, nameOf(child)])
    }
  }
  walk(command.descriptor as unknown as Node, [])
  return paths
}

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

  it.effect("helpDocText prints every command's help as @effect/cli's printer does, colours included", () =>
    Effect.gen(function* () {
      const paths = commandPaths()
      expect(paths.length).toBeGreaterThan(30)
      for (const path of paths) {
        const directive = yield* CommandDescriptor.parse(
          command.descriptor,
          ["meridian", ...path, "--help"],
          CliConfig.defaultConfig
        )
        if (directive._tag !== "BuiltIn" || directive.option._tag !== "ShowHelp") throw new Error(`no help: ${path}`)
        const doc = directive.option.helpDoc
        expect(helpDocText(doc, { color: true }), path.join(" ")).toBe(HelpDoc.toAnsiText(doc))
      }
      const top = yield* requestedHelp(command.descriptor, ["node", "meridian", "--help"], testApp, {
        color: false
      })
      expect(Option.getOrThrow(top)).toMatch(/^meridian\n\nmeridian 1\.2\.3\n\nUSAGE\n\n\$ meridian/)
      const none = yield* requestedHelp(command.descriptor, ["node", "meridian", "info"], testApp, { color: false })
      expect(Option.isNone(none)).toBe(true)
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it("helpDocText lays out a term without a description on its line when it fits, else apart", () => {
    const doc = HelpDoc.descriptionList([
      [Span.text("--x"), HelpDoc.p("described")],
      [Span.text(`--long ${"z".repeat(80)}`), HelpDoc.empty],
      [Span.strong(Span.code("--short")), HelpDoc.empty]
    ])
    expect(helpDocText(doc, { color: true })).toBe(HelpDoc.toAnsiText(doc))
    expect(helpDocText(doc, { color: false })).toBe(`--x\n\n  described\n\n--long ${"z".repeat(80)}\n\n  \n--short  `)
  })
})
