/** Checks, splits and joins of `Columns` for the store: plain loops over typed arrays. */
import { Either } from "effect"
import type { Columns } from "../../data/Columns"
import type { InstrumentId } from "../../domain/Ids"
import { type Kind, layoutOf, valuesOf } from "./kinds"

/** Why `columns` cannot be stored, if it cannot: times must be safe, non-negative and sorted, values safe integers. */
export const invalidRow = (columns: Columns): string | undefined => {
  const { ts, length } = columns
  let last = 0
  for (let i = 0; i < length; i++) {
    const t = ts[i]!
    if (!Number.isSafeInteger(t) || t < 0) return `row ${i}: timestamp ${t} is not a safe integer of µs`
    if (t < last) return `row ${i}: timestamp ${t} is before the previous row's ${last} (rows must be sorted)`
    last = t
  }
  const layout = layoutOf(columns.kind)
  const values = valuesOf(columns)
  for (let c = 0; c < values.length; c++) {
    const array = values[c]!
    for (let i = 0; i < length; i++) {
      if (!Number.isSafeInteger(array[i]))
        return `row ${i}: ${layout.columns[c]?.[0]} ${array[i]} is not a safe integer`
    }
  }
  return undefined
}

/** `columns` split into one `Columns` per instrument of `ids` (its `instrument` column indexes them), rows in order. */
export const splitByInstrument = (
  ids: ReadonlyArray<InstrumentId>,
  columns: Columns
): Either.Either<ReadonlyArray<readonly [InstrumentId, Columns]>, string> => {
  if (new Set(ids).size !== ids.length) return Either.left("instruments must not repeat")
  const counts = new Uint32Array(ids.length)
  for (let i = 0; i < columns.length; i++) {
    const index = columns.instrument[i]!
    if (index >= ids.length) return Either.left(`row ${i}: instrument ${index} is not one of the ${ids.length} given`)
    counts[index]!++
  }
  const layout = layoutOf(columns.kind)
  const values = valuesOf(columns)
  const ts = ids.map((_, k) => new Float64Array(counts[k]!))
  const split = ids.map((_, k) => values.map(() => new Float64Array(counts[k]!)))
  const filled = new Uint32Array(ids.length)
  for (let i = 0; i < columns.length; i++) {
    const k = columns.instrument[i]!
    const at = filled[k]!++
    ts[k]![at] = columns.ts[i]!
    const into = split[k]!
    for (let c = 0; c < values.length; c++) into[c]![at] = values[c]![i]!
  }
  return Either.right(
    ids.map((id, k) => [id, layout.make(ts[k]!, new Uint32Array(counts[k]!).fill(k), split[k]!)] as const)
  )
}

/** One `Columns` of `kind` holding the rows of `chunks` in order. */
export const concatColumns = (kind: Kind, chunks: ReadonlyArray<Columns>): Columns => {
  const layout = layoutOf(kind)
  const length = chunks.reduce((sum, c) => sum + c.length, 0)
  const ts = new Float64Array(length)
  const instrument = new Uint32Array(length)
  const values = layout.columns.map(() => new Float64Array(length))
  let at = 0
  for (const chunk of chunks) {
    ts.set(chunk.ts, at)
    instrument.set(chunk.instrument, at)
    const source = valuesOf(chunk)
    for (let c = 0; c < values.length; c++) values[c]!.set(source[c]!, at)
    at += chunk.length
  }
  return layout.make(ts, instrument, values)
}
