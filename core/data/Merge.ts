/**
 * One replay order over several sorted sources (quotes of one venue, trades of another, bars...), computed once
 * before the run so that the replay loop only walks two arrays.
 *
 * @since 0.1.0
 */
import type { Columns } from "./Columns"

/** Timestamp order over several sources: event `i` is row `row[i]` of `sources[source[i]]`. */
export interface Timeline {
  readonly length: number
  readonly source: Uint8Array
  readonly row: Uint32Array
}

/** A `Timeline` holds source indices in bytes. */
export const MAX_SOURCES = 256

/**
 * Timestamp order over several sources, stable: ties keep source order, then row order. O(n log k) with a binary
 * heap of the k sources. Each source must be sorted by `ts` (the CSV readers guarantee it); a source that is not
 * is a programming error and throws a `RangeError`, as does more than `MAX_SOURCES` sources.
 */
export const mergeByTime = (sources: ReadonlyArray<Columns>): Timeline => {
  const k = sources.length
  if (k > MAX_SOURCES) throw new RangeError(`mergeByTime takes at most ${MAX_SOURCES} sources, got ${k}`)
  const times = sources.map((s) => s.ts)
  const lengths = sources.map((s) => s.length)
  const total = lengths.reduce((sum, n) => sum + n, 0)
  const source = new Uint8Array(total)
  const row = new Uint32Array(total)

  // The heap holds source indices ordered by (head timestamp, source index): the index breaks ties, which makes
  // the merge stable because each source is consumed in row order.
  const head = new Float64Array(k)
  const next = new Uint32Array(k)
  const heap = new Int32Array(k)
  let size = 0
  const before = (a: number, b: number): boolean => head[a]! < head[b]! || (head[a] === head[b] && a < b)
  const siftDown = (from: number): void => {
    const item = heap[from]!
    let i = from
    for (;;) {
      const left = 2 * i + 1
      if (left >= size) break
      const right = left + 1
      const child = right < size && before(heap[right]!, heap[left]!) ? right : left
      if (!before(heap[child]!, item)) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = item
  }

  for (let s = 0; s < k; s++) {
    if (lengths[s]! > 0) {
      head[s] = times[s]![0]!
      heap[size++] = s
    }
  }
  for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(i)

  let out = 0
  while (size > 0) {
    const s = heap[0]!
    const r = next[s]!
    source[out] = s
    row[out] = r
    out++
    const following = r + 1
    if (following < lengths[s]!) {
      const ts = times[s]![following]!
      if (ts < head[s]!) {
        throw new RangeError(`source ${s} is not sorted by time at row ${following}`)
      }
      head[s] = ts
      next[s] = following
    } else {
      heap[0] = heap[--size]!
    }
    siftDown(0)
  }
  return { length: total, source, row }
}
