/**
 * Help text made plain for the terminal it prints on: without the generic type lines, wrapped to the terminal and
 * without colour codes when piped. Text only, no Effect: `bin/meridian.mjs` prints `meridian --help` with it
 * from the text the build stored (`runtimes/node/help.ts`), before the command line's bundle is loaded.
 *
 * @since 0.1.0
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point.
const ANSI = /\u001b\[[0-9;]*m/g

/** The text without ANSI colour and style codes. */
export const stripAnsi = (text: string): string => text.replace(ANSI, "")

/** Lines `@effect/cli` prints under each option for its type: the option's own description says more. */
const GENERIC =
  /^\s*(A user-defined piece of text( that is confidential)?|A true or false value|A floating point number|An integer|A file or directory|A file|A directory)\.\s*$/

/** One line cut at spaces into lines of at most `width` columns, continuation lines indented like the first. */
const wrapLine = (line: string, width: number): Array<string> => {
  if (stripAnsi(line).length <= width) return [line]
  const indent = /^\s*/.exec(line)?.[0] ?? ""
  // A usage line (`$ backtest --strategy text ...`) continues under its first option.
  const hanging = /^\s*\$ \S+ /.exec(line)?.[0].replace(/./g, " ") ?? indent
  const words = line.slice(indent.length).split(/(?<=\S) +/)
  const lines: Array<string> = []
  let current = indent
  for (const word of words) {
    const candidate = current.trim() === "" ? current + word : `${current} ${word}`
    if (stripAnsi(candidate).length > width && current.trim() !== "") {
      lines.push(current)
      current = hanging + word
    } else {
      current = candidate
    }
  }
  lines.push(current)
  return lines
}

/**
 * Help text as printed by `@effect/cli`, made readable: the generic type lines go (with the blank line after them),
 * lines wrap at `width` columns, and colour codes go unless `color`.
 */
export const plainHelp = (text: string, options: { readonly width: number; readonly color: boolean }): string => {
  const lines = (options.color ? text : stripAnsi(text)).split("\n")
  // A list of commands (`  - backtest --strategy text ...   Backtest a strategy`) keeps each command's words and
  // description: its options are in its own help.
  const commands = lines.map((line) => COMMAND_ITEM.exec(stripAnsi(line)))
  const nameWidth = Math.min(
    28,
    Math.max(0, ...commands.map((item) => (item === null ? 0 : commandWords(item[1]!).length)))
  )
  const out: Array<string> = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const item = commands[i]
    if (item != null) {
      const name = `  ${commandWords(item[1]!).padEnd(nameWidth)}  `
      const wrapped = wrapLine(" ".repeat(name.length) + item[2], options.width)
      out.push(name + wrapped[0]!.trimStart(), ...wrapped.slice(1))
      if (lines[i + 1]?.trim() === "" && commands[i + 2] != null) i++
      continue
    }
    if (GENERIC.test(stripAnsi(line))) {
      if (lines[i + 1]?.trim() === "") i++
      continue
    }
    out.push(...wrapLine(line, options.width))
  }
  return out.join("\n")
}

const COMMAND_ITEM = /^ {2}- (\S.*?) {2,}(\S.*)$/

/** `backtest --strategy text ...` → `backtest`. */
const commandWords = (usage: string): string => {
  const words = usage.split(" ")
  const end = words.findIndex((word) => /^[-[<(]/.test(word))
  return (end < 0 ? words : words.slice(0, end)).join(" ")
}

/**
 * How help prints on this process's standard output: wrapped to the terminal's width (80 columns when piped, at most
 * 100), in colour on a terminal unless `NO_COLOR` is set.
 */
export const helpLayout = (): { readonly width: number; readonly color: boolean } => ({
  width: Math.min(process.stdout.columns ?? 80, 100),
  color: process.stdout.isTTY === true && process.env.NO_COLOR === undefined
})
