/**
 * Fewer samples of a long series for a chart: a screen is a few thousand pixels wide, so a million-sample curve is
 * cut into buckets and each bucket keeps the samples where a series is lowest and highest. Peaks, troughs and the
 * deepest drawdown survive, which evenly spaced picks would skip.
 */

/** A series to keep the extremes of: its lows, its highs, or both. */
export interface Extremes {
  readonly values: ArrayLike<number>
  readonly keep: "min" | "max" | "both"
}

const perBucket = (series: ReadonlyArray<Extremes>): number =>
  series.reduce((sum, s) => sum + (s.keep === "both" ? 2 : 1), 0)

/**
 * Indices, ascending, of at most `max` of `n` samples: all of them when `n <= max`, else the first, the last, and in
 * each bucket the samples where each series is lowest or highest (ties: the first).
 */
export const extremaIndices = (n: number, series: ReadonlyArray<Extremes>, max: number): ReadonlyArray<number> => {
  if (n <= max) return Array.from({ length: n }, (_, i) => i)
  const k = Math.max(1, perBucket(series))
  const buckets = Math.max(1, Math.floor((max - 2) / k))
  const kept: Array<number> = [0]
  const picks: Array<number> = []
  // Bucket b holds samples [b·n/buckets, (b+1)·n/buckets): even sizes, so a curve just over `max` keeps most samples.
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets)
    const end = Math.floor(((b + 1) * n) / buckets)
    if (end <= start) continue
    picks.length = 0
    for (const s of series) {
      let lo = start
      let hi = start
      for (let i = start + 1; i < end; i++) {
        const v = s.values[i]!
        if (v < s.values[lo]!) lo = i
        if (v > s.values[hi]!) hi = i
      }
      if (s.keep !== "max") picks.push(lo)
      if (s.keep !== "min") picks.push(hi)
    }
    picks.sort((a, b) => a - b)
    for (const i of picks) if (i > kept[kept.length - 1]!) kept.push(i)
  }
  if (kept[kept.length - 1] !== n - 1) kept.push(n - 1)
  return kept
}
