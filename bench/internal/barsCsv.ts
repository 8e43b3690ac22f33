/**
 * The CSV file a data vendor writes for seeded one-minute bars of a 0.01-tick instrument from 2015-01-01:
 * `Date,Open,High,Low,Close,Volume`, then rows like `2015-01-01 00:01:00,100.03,100.04,99.98,100.00,227`.
 */
import type { BarColumns } from "../../core/data/Columns"
import { generateBars } from "../../core/data/Generate"
import type { BarPeriod } from "../../core/domain/MarketData"

/** Ticks of 0.01 as the decimal a vendor writes: `100.03`. */
const price = (ticks: number) => `${Math.trunc(ticks / 100)}.${String(ticks % 100).padStart(2, "0")}`

/** `count` seeded bars and their CSV text. */
export const barsCsv = (count: number, seed: number): { readonly bars: BarColumns; readonly text: string } => {
  const bars = generateBars({
    instruments: 1,
    count,
    seed,
    startTs: 1_420_070_400_000_000, // 2015-01-01T00:00:00Z
    period: "1m" as BarPeriod,
    startPrice: 10_000
  })
  const lines = ["Date,Open,High,Low,Close,Volume"]
  for (let i = 0; i < count; i++) {
    const iso = new Date(bars.ts[i]! / 1000).toISOString()
    lines.push(
      `${iso.slice(0, 10)} ${iso.slice(11, 19)},${price(bars.open[i]!)},${price(bars.high[i]!)},` +
        `${price(bars.low[i]!)},${price(bars.close[i]!)},${bars.volume[i]}`
    )
  }
  return { bars, text: `${lines.join("\n")}\n` }
}
