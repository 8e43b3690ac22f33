/**
 * Running mean and sample standard deviation (Welford's update, stable over a million values). NaN values are left
 * out, as undefined; `null` where a statistic is not a finite number.
 */
export class Moments {
  /** Values added, NaN excluded. */
  count = 0
  private runningMean = 0
  private deviation = 0

  add(x: number): void {
    if (Number.isNaN(x)) return
    this.count++
    const delta = x - this.runningMean
    this.runningMean += delta / this.count
    this.deviation += delta * (x - this.runningMean)
  }

  get mean(): number | null {
    return this.count === 0 ? null : finite(this.runningMean)
  }

  /** Sample standard deviation (n − 1). */
  get stdev(): number | null {
    return this.count < 2 ? null : finite(Math.sqrt(this.deviation / (this.count - 1)))
  }
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null)
