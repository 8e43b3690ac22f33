/**
 * The command line's plain-text tables: rows of cells as left-aligned columns (numbers right-aligned), two spaces
 * apart, one line per row.
 *
 * @since 0.1.0
 */
export const textTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)))
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => /^-?[\d.]+$|^-$/.test(row[i] ?? "")))
  return all
    .map((row) =>
      row
        .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd()
    )
    .join("\n")
}
