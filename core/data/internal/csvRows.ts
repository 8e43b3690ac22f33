/**
 * Lines and fields of a CSV text: a header, then rows of as many fields. Handles a BOM, CRLF, quoted fields and
 * blank lines at the end; a blank line anywhere else is a problem, never skipped.
 */

/** What is wrong with the input, before it becomes a `CsvError`. `line` is 1-based. */
export interface Problem {
  readonly line: number
  readonly column?: string
  readonly message: string
}

/** Field name for matching: lower case, letters and digits only (`Adj Close` → `adjclose`, `bid_size` → `bidsize`). */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, "")

/** Index of the header column with the first of `names` (normalized) that occurs, or -1. */
export const findColumn = (header: ReadonlyArray<string>, names: ReadonlyArray<string>): number => {
  const normalized = header.map(normalizeName)
  for (const name of names) {
    const index = normalized.indexOf(name)
    if (index >= 0) return index
  }
  return -1
}

const splitQuoted = (line: string): Array<string> | string => {
  const fields: Array<string> = []
  let field = ""
  let i = 0
  for (;;) {
    while (line[i] === " ") i++
    if (line[i] === '"') {
      i++
      for (;;) {
        const quote = line.indexOf('"', i)
        if (quote < 0) return "a quoted field is not closed"
        field += line.slice(i, quote)
        i = quote + 1
        if (line[i] !== '"') break
        field += '"'
        i++
      }
      while (line[i] === " ") i++
      if (i < line.length && line[i] !== ",") return "text after a closing quote"
    } else {
      const comma = line.indexOf(",", i)
      const end = comma < 0 ? line.length : comma
      field = line.slice(i, end)
      if (field.includes('"')) return "a quote inside an unquoted field"
      i = end
    }
    fields.push(field.trim())
    field = ""
    if (i >= line.length) return fields
    i++
  }
}

/** The fields of one line, trimmed; a string says why the line cannot be split. */
export const splitFields = (line: string): Array<string> | string =>
  line.includes('"') ? splitQuoted(line) : line.split(",").map((field) => field.trim())

/**
 * Calls `onHeader` with the first line's fields, then `onRow` with each following row's fields and line number,
 * and stops at the first problem. Every row must have as many fields as the header.
 */
export const scanRows = (
  text: string,
  onHeader: (names: ReadonlyArray<string>) => Problem | undefined,
  onRow: (fields: ReadonlyArray<string>, line: number) => Problem | undefined
): Problem | undefined => {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 0
  let width = -1
  let blankLine = 0
  while (start < text.length) {
    line++
    const newline = text.indexOf("\n", start)
    const end = newline < 0 ? text.length : newline
    const content = text.slice(start, text.charCodeAt(end - 1) === 13 && end > start ? end - 1 : end)
    start = end + 1
    if (content.trim() === "") {
      if (blankLine === 0) blankLine = line
      continue
    }
    if (blankLine !== 0) return { line: blankLine, message: "blank line before the end of the file" }
    const fields = splitFields(content)
    if (typeof fields === "string") return { line, message: fields }
    if (width < 0) {
      width = fields.length
      const problem = onHeader(fields)
      if (problem !== undefined) return problem
      continue
    }
    if (fields.length !== width) return { line, message: `expected ${width} columns, found ${fields.length}` }
    const problem = onRow(fields, line)
    if (problem !== undefined) return problem
  }
  if (width < 0) return { line: 1, message: "the file has no header line" }
  return undefined
}
