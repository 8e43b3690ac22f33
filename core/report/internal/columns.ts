/** Reading arquero results back into plain numbers. */
import type * as aq from "arquero"

/** A column as plain numbers. */
export const numbers = (table: aq.ColumnTable, name: string): Array<number> => Array.from(table.array(name), Number)

/** The first row's value of a column when it is a finite number, else `null` (arquero's stdev of one value is undefined). */
export const cell = (table: aq.ColumnTable, name: string): number | null => {
  const value = table.get(name, 0)
  return typeof value === "number" && Number.isFinite(value) ? value : null
}
