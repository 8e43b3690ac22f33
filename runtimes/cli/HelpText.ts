/**
 * What the command line prints before a command runs, made plain: a parse error of `@effect/cli` as one line, and
 * its help text without the generic type lines, wrapped to the terminal and without colour codes when piped.
 *
 * @since 0.1.0
 */
import { BuiltInOptions, CliConfig, type Command, CommandDescriptor, HelpDoc, Usage } from "@effect/cli"
import type { Span } from "@effect/cli/HelpDoc/Span"
import * as Spans from "@effect/cli/HelpDoc/Span"
import { Effect, Option } from "effect"

export { helpLayout, plainHelp, stripAnsi } from "./PlainHelp"

const spanText = (span: Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Highlight":
    case "Weak":
    case "Strong":
      return spanText(span.value)
    case "Sequence":
      return spanText(span.left) + spanText(span.right)
  }
}

const docParts = (doc: HelpDoc.HelpDoc): Array<string> => {
  switch (doc._tag) {
    case "Empty":
      return []
    case "Header":
    case "Paragraph":
      return [spanText(doc.value)]
    case "DescriptionList":
      return doc.definitions.map(([term, description]) =>
        [spanText(term), ...docParts(description)].filter((part) => part !== "").join(": ")
      )
    case "Enumeration":
      return doc.elements.flatMap(docParts)
    case "Sequence":
      return [...docParts(doc.left), ...docParts(doc.right)]
  }
}

/** A text style: foreground colour code, bold, underlined (what `@effect/cli`'s spans use). */
interface Style {
  readonly fg?: number
  readonly bold?: boolean
  readonly underlined?: boolean
}

const COLOR_CODES: Readonly<Record<string, number>> = {
  Black: 30,
  Red: 31,
  Green: 32,
  Yellow: 33,
  Blue: 34,
  Magenta: 35,
  Cyan: 36,
  White: 37
}

/** The escape sequence of a style, in `@effect/printer-ansi`'s order: reset, colour, bold, underline. */
const sgr = (style: Style): string =>
  `\u001b[${["0", ...(style.fg === undefined ? [] : [style.fg]), ...(style.bold ? ["1"] : []), ...(style.underlined ? ["4"] : [])].join(";")}m`

/** A piece of laid-out help: text, a new line at an indentation, or a style pushed or popped. */
type Token =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Line"; readonly indent: number }
  | { readonly _tag: "Push"; readonly style: Style }
  | { readonly _tag: "Pop" }

const spanTokens = (span: Span, out: Array<Token>): void => {
  const styled = (style: Style, inner: Span) => {
    out.push({ _tag: "Push", style })
    spanTokens(inner, out)
    out.push({ _tag: "Pop" })
  }
  switch (span._tag) {
    case "Text":
      if (span.value !== "") out.push({ _tag: "Text", text: span.value })
      return
    case "URI":
      out.push({ _tag: "Push", style: { underlined: true } }, { _tag: "Text", text: span.value }, { _tag: "Pop" })
      return
    case "Highlight":
      styled({ fg: COLOR_CODES[span.color._tag] ?? 37 }, span.value)
      return
    case "Weak":
      styled({ fg: 90 }, span.value)
      return
    case "Strong":
      styled({ bold: true }, span.value)
      return
    case "Sequence":
      spanTokens(span.left, out)
      spanTokens(span.right, out)
  }
}

/** Whether a document lays out on one line (it has no hard line break): only an empty one here. */
const isFlat = (doc: HelpDoc.HelpDoc): boolean =>
  doc._tag === "Empty" || (doc._tag === "Sequence" && isFlat(doc.left) && isFlat(doc.right))

/**
 * The tokens of `doc` laid out as `@effect/cli` lays it out with `@effect/printer` (80 columns): headers and
 * paragraphs end in a line break, a description list puts each term, an empty line and its description indented by
 * two; an enumeration indents its `- ` items by two; a sequence separates its parts by a line break.
 */
const docTokens = (doc: HelpDoc.HelpDoc, indent: number, column: { value: number }, out: Array<Token>): void => {
  const text = (t: string) => {
    out.push({ _tag: "Text", text: t })
    column.value += t.length
  }
  const line = (at: number) => {
    out.push({ _tag: "Line", indent: at })
    column.value = at
  }
  const spanAt = (span: Span) => {
    const start = out.length
    spanTokens(span, out)
    for (let i = start; i < out.length; i++) {
      const token = out[i]!
      if (token._tag === "Text") column.value += token.text.length
    }
  }
  switch (doc._tag) {
    case "Empty":
      return
    case "Header":
      out.push({ _tag: "Push", style: { bold: true } })
      spanAt(doc.value)
      out.push({ _tag: "Pop" })
      line(indent)
      return
    case "Paragraph":
      spanAt(doc.value)
      line(indent)
      return
    case "DescriptionList":
      doc.definitions.forEach(([term, description], i) => {
        if (i > 0) line(indent)
        out.push({ _tag: "Push", style: { bold: true } })
        spanAt(term)
        out.push({ _tag: "Pop" })
        // The term and its description on one line when the description is empty and the line fits.
        if (!(isFlat(description) && column.value + 2 <= 80)) {
          line(indent)
          line(indent)
        }
        const at = column.value
        text("  ")
        docTokens(description, at + 2, column, out)
      })
      return
    case "Enumeration": {
      const at = column.value
      text("  ")
      doc.elements.forEach((element, i) => {
        if (i > 0) line(at + 2)
        text("- ")
        docTokens(element, at + 2, column, out)
      })
      return
    }
    case "Sequence":
      docTokens(doc.left, indent, column, out)
      line(indent)
      docTokens(doc.right, indent, column, out)
  }
}

/**
 * A help document as `@effect/cli` prints it (its `HelpDoc.toAnsiText`), without `@effect/printer`'s layout engine,
 * which took most of the time `meridian --help` spent on its own work. A line break's indentation is left out when
 * nothing follows it on its line, as the printer does. `color: false` leaves the escape codes out.
 */
export const helpDocText = (doc: HelpDoc.HelpDoc, options: { readonly color: boolean }): string => {
  const tokens: Array<Token> = []
  docTokens(doc, 0, { value: 0 }, tokens)
  const styles: Array<Style> = [{}]
  let out = ""
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!
    switch (token._tag) {
      case "Text":
        out += token.text
        break
      case "Line": {
        const next = tokens[i + 1]
        out += next === undefined || next._tag === "Line" ? "\n" : `\n${" ".repeat(token.indent)}`
        break
      }
      case "Push": {
        const current = styles[styles.length - 1]!
        const style = {
          ...current,
          ...Object.fromEntries(Object.entries(token.style).filter(([, v]) => v !== undefined))
        }
        styles.push(style)
        if (options.color) out += sgr(style)
        break
      }
      case "Pop":
        styles.pop()
        if (options.color) out += sgr(styles[styles.length - 1]!)
    }
  }
  return out
}

/** A help document (an `@effect/cli` `ValidationError`'s) as one plain line. */
export const docText = (doc: HelpDoc.HelpDoc): string =>
  docParts(doc)
    .map((part) => part.replace(/\s+/g, " ").trim())
    .filter((part) => part !== "")
    .join("; ")

/**
 * The help `argv` asks for (`meridian backtest --help`), as `@effect/cli` composes it (name, version, usage lines,
 * the command's help) and prints it, rendered by `helpDocText`; nothing when the arguments ask for something else.
 */
export const requestedHelp = <A>(
  command: Command.Command<string, never, never, A>["descriptor"],
  argv: ReadonlyArray<string>,
  app: { readonly name: string; readonly version: string },
  options: { readonly color: boolean }
) =>
  CommandDescriptor.parse(command, [app.name, ...argv.slice(2)], CliConfig.defaultConfig).pipe(
    Effect.map((directive) => {
      if (directive._tag !== "BuiltIn" || !BuiltInOptions.isShowHelp(directive.option)) return Option.none<string>()
      const usage = HelpDoc.sequence(
        HelpDoc.h1("USAGE"),
        // In `@effect/cli`'s order: folded from the right.
        Usage.enumerate(directive.option.usage, CliConfig.defaultConfig)
          .map((span) => HelpDoc.p(Spans.concat(Spans.text("$ "), span)))
          .reduceRight<HelpDoc.HelpDoc>((left, right) => HelpDoc.sequence(left, right), HelpDoc.empty)
      )
      const doc = [HelpDoc.p(Spans.text(`${app.name} ${app.version}`)), usage, directive.option.helpDoc].reduce(
        (left, right) => HelpDoc.sequence(left, right),
        HelpDoc.h1(Spans.code(app.name))
      )
      return Option.some(helpDocText(doc, options))
    }),
    Effect.orElseSucceed(() => Option.none<string>())
  )
