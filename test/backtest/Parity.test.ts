/**
 * Parity with the Python backtesters (backtesting.py and the like) on their conventions: an all-in SMA crossover
 * whose signal on a bar's close is a market order filled at the next bar's open; all-in is the largest whole number
 * of lots the cash buys at the fill price net of the fee; with finalize on (`--close-at-end`) a trade still open
 * after the last bar's signal is closed at the last bar's open. `meridian backtest` (the job behind it) must give
 * the trades that a plain, independent implementation of those rules gives, one for one, on the S&P 500 daily
 * file and on seeded random walks.
 *
 * Long-only and long-short: on a reversal the open position is closed first at the open, and the new one is sized
 * with the cash that close leaves, fee included — the platform's venue sizes it from the account's funds at the fill
 * (`fundsShare`). Long-short runs on a margin account, which may sell short.
 *
 * Money is exact here as in the platform: prices in millionths (`--tick-size 0.000001` keeps the file's six
 * decimals), cash in cents, a fill's notional rounded half-even to the cent and its fee (a fraction of that
 * notional) too.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import { runSimBacktest } from "../../runtimes/cli/SimBacktest"
import { sp500Path } from "./support"

/** Bars as the reference reads them: dates, and prices in millionths. */
interface Bars {
  readonly dates: ReadonlyArray<string>
  readonly open: ReadonlyArray<bigint>
  readonly close: ReadonlyArray<bigint>
}

/** `1455.219971` → 1455219971n, without floating point. */
const millionths = (text: string): bigint => {
  const [whole = "0", fraction = ""] = text.split(".")
  return BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, "0").slice(0, 6))
}

const readBars = (text: string): Bars => {
  const rows = text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(","))
  return {
    dates: rows.map((r) => r[0]!),
    open: rows.map((r) => millionths(r[1]!)),
    close: rows.map((r) => millionths(r[4]!))
  }
}

/** `n / d` rounded half to even, in integers. */
const halfEven = (n: bigint, d: bigint): bigint => {
  const q = n / d
  const twice = 2n * (n - q * d)
  return twice > d || (twice === d && q % 2n !== 0n) ? q + 1n : q
}

/** Cents of `lots` at `price` millionths of a dollar. */
const notional = (price: bigint, lots: bigint): bigint => halfEven(price * lots, 10_000n)

interface Trade {
  readonly side: "long" | "short"
  readonly quantity: number
  readonly entryDate: string
  readonly exitDate: string
  readonly entryPrice: bigint
  readonly exitPrice: bigint
  readonly pnl: bigint
}

type Mode = "long-only" | "long-short"

/**
 * The reference: an all-in SMA crossover, bar by bar, in plain integer arithmetic. The averages are compared as the
 * strategy compares them (a mean is the window's sum over its length); the first bar with both averages sets the
 * side without trading. A signal fills at the next open: the open position is closed first, then (long-short, or a
 * long entry) the new one takes the largest whole number of lots the cash left buys at that open, fee included.
 */
const reference = (
  bars: Bars,
  fast: number,
  slow: number,
  feeRate: { num: bigint; den: bigint },
  finalize: boolean,
  mode: Mode
) => {
  const fee = (price: bigint, lots: bigint) => halfEven(notional(price, lots) * feeRate.num, feeRate.den)
  const mean = (i: number, n: number) => {
    let sum = 0n
    for (let k = i - n + 1; k <= i; k++) sum += bars.close[k]!
    return Number(sum) / n
  }
  let cash = 10_000_000n // 100,000.00
  /** Signed: negative when short. */
  let lots = 0n
  let entry: { date: string; price: bigint; fee: bigint } | undefined
  let pending: "buy" | "sell" | undefined
  const trades: Array<Trade> = []
  const exit = (i: number, price: bigint) => {
    const long = lots > 0n
    const size = long ? lots : -lots
    const exitFee = fee(price, size)
    // A long sells its lots; a short buys them back.
    cash += long ? notional(price, size) - exitFee : -(notional(price, size) + exitFee)
    const gross = (notional(price, size) - notional(entry!.price, size)) * (long ? 1n : -1n)
    trades.push({
      side: long ? "long" : "short",
      quantity: Number(size),
      entryDate: entry!.date,
      exitDate: bars.dates[i]!,
      entryPrice: entry!.price,
      exitPrice: price,
      pnl: gross - entry!.fee - exitFee
    })
    lots = 0n
    entry = undefined
  }
  const enter = (i: number, price: bigint, side: "long" | "short") => {
    // The largest whole number of lots the cash buys at the fill price, fee included.
    let n = cash > 0n ? (cash * 10_000n) / price + 1n : 0n
    while (n > 0n && notional(price, n) + fee(price, n) > cash) n--
    if (n === 0n) return
    const entryFee = fee(price, n)
    cash += side === "long" ? -(notional(price, n) + entryFee) : notional(price, n) - entryFee
    lots = side === "long" ? n : -n
    entry = { date: bars.dates[i]!, price, fee: entryFee }
  }
  let above: boolean | undefined
  for (let i = 0; i < bars.dates.length; i++) {
    // The order sent on the previous bar's close fills at this bar's open: the close first, then the entry.
    const open = bars.open[i]!
    if (pending === "buy") {
      if (lots < 0n) exit(i, open)
      if (lots === 0n) enter(i, open, "long")
    }
    if (pending === "sell") {
      if (lots > 0n) exit(i, open)
      if (lots === 0n && mode === "long-short") enter(i, open, "short")
    }
    pending = undefined
    if (i + 1 < slow) continue
    const nowAbove = mean(i, fast) > mean(i, slow)
    if (above !== undefined && nowAbove !== above) pending = nowAbove ? "buy" : "sell"
    above = nowAbove
  }
  const last = bars.dates.length - 1
  const open =
    lots !== 0n && entry !== undefined
      ? { date: entry.date, side: lots > 0n ? "long" : "short", lots: Number(lots > 0n ? lots : -lots) }
      : undefined
  if (finalize && lots !== 0n) exit(last, bars.open[last]!)
  return { trades, open: finalize ? undefined : open }
}

/** Millionths as the report writes a price on a 0.000001 grid. */
const priceText = (price: bigint) => `${price / 1_000_000n}.${String(price % 1_000_000n).padStart(6, "0")}`

const backtest = (file: string, fast: number, slow: number, commission: string, closeAtEnd: boolean, mode: Mode) =>
  runSimBacktest({
    strategy: "sma-cross",
    data: [file],
    instruments: ["PARITY.SIM"],
    params: { fast: String(fast), slow: String(slow), sizing: "equity:100@fill", mode },
    cash: "100000",
    currency: "USD",
    tickSize: "0.000001",
    lotSize: "1",
    timezone: "UTC",
    // Selling short needs a margin account.
    accountKind: mode === "long-short" ? "margin" : "cash",
    historyDir: ".meridian/history",
    closeAtEnd,
    venue: { barFill: "next-open", commission, latencyUs: 0, seed: 1 }
  }).pipe(
    Effect.map((outcome) => outcome.run.report!),
    Effect.provide(StaticDataSet.layerShipped),
    Effect.provide(NodeContext.layer)
  )

/** Runs the file both ways (finalize on and off) and compares every trade with the reference's. */
const expectParity = (
  file: string,
  fast: number,
  slow: number,
  commission: string,
  rate: { num: bigint; den: bigint },
  mode: Mode
) =>
  Effect.gen(function* () {
    const bars = readBars(readFileSync(file, "utf8"))
    const day = (date: string) => Date.parse(`${date}T00:00:00Z`) * 1000
    for (const finalize of [true, false]) {
      const expected = reference(bars, fast, slow, rate, finalize, mode)
      const report = yield* backtest(file, fast, slow, commission, finalize, mode)
      expect(expected.trades.length).toBeGreaterThan(10)
      if (mode === "long-short") {
        // Reversals, both ways: a short closed at the open where a long starts, and a long where a short starts.
        const reversals = expected.trades.filter((t, k) => {
          const next = expected.trades[k + 1]
          return next !== undefined && next.entryDate === t.exitDate && next.side !== t.side
        })
        expect(reversals.filter((t) => t.side === "long").length).toBeGreaterThan(5)
        expect(reversals.filter((t) => t.side === "short").length).toBeGreaterThan(5)
      }
      const actual = report.trades.map((t) => ({
        side: t.side,
        quantity: t.quantity,
        entryTs: t.entryTs,
        exitTs: t.exitTs,
        entryPrice: t.entryPrice,
        exitPrice: t.exitPrice,
        pnl: t.pnlMinor
      }))
      const wanted = expected.trades.map((t) => ({
        side: t.side,
        quantity: t.quantity,
        entryTs: day(t.entryDate),
        exitTs: day(t.exitDate),
        entryPrice: priceText(t.entryPrice),
        exitPrice: priceText(t.exitPrice),
        pnl: Number(t.pnl)
      }))
      expect(actual, `${mode}, finalize ${finalize}`).toEqual(wanted)
      expect(report.stats.trades).toBe(wanted.length)
      // The trade left open, or none once finalized.
      const open = report.openTrades ?? []
      expect(open.map((t) => ({ entryTs: t.entryTs, side: t.side, quantity: t.quantity }))).toEqual(
        expected.open === undefined
          ? []
          : [{ entryTs: day(expected.open.date), side: expected.open.side, quantity: expected.open.lots }]
      )
      expect(report.stats.openTrades).toBe(open.length)
      if (finalize) {
        // Flat at the end: the final equity is the cash the trades leave.
        const cash = 10_000_000 + wanted.reduce((sum, t) => sum + t.pnl, 0)
        expect(Math.round(Number(report.stats.finalEquity) * 100)).toBe(cash)
      }
    }
  })

/** A seeded random walk of daily bars with six decimals: opens gap from the previous close. */
const randomWalk = (seed: number, days: number): string => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
  let price = 100_000_000 // 100.000000
  const lines = ["Date,Open,High,Low,Close,Volume"]
  const start = Date.UTC(2001, 0, 1)
  const text = (units: number) => `${Math.floor(units / 1e6)}.${String(units % 1e6).padStart(6, "0")}`
  for (let d = 0; d < days; d++) {
    const open = Math.max(1_000_000, price + Math.round((next() - 0.5) * 1_500_000))
    const close = Math.max(1_000_000, open + Math.round((next() - 0.5) * 4_000_000))
    const high = Math.max(open, close) + Math.round(next() * 500_000)
    const low = Math.max(1, Math.min(open, close) - Math.round(next() * 500_000))
    const date = new Date(start + d * 86_400_000).toISOString().slice(0, 10)
    lines.push(`${date},${text(open)},${text(high)},${text(low)},${text(close)},1000`)
    price = close
  }
  return `${lines.join("\n")}\n`
}

for (const mode of ["long-only", "long-short"] as const) {
  describe(`parity with the Python backtesters' conventions (all-in ${mode} SMA crossover, next-open fills)`, () => {
    it.effect("gives the reference's trades, one for one, on the S&P 500 daily file, with and without fees", () =>
      Effect.gen(function* () {
        yield* expectParity(sp500Path, 10, 30, "0.001", { num: 1n, den: 1000n }, mode)
        yield* expectParity(sp500Path, 5, 20, "0", { num: 0n, den: 1n }, mode)
      })
    )

    it.effect("gives the reference's trades, one for one, on seeded random walks", () =>
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "meridian-parity-"))
        for (const seed of [1, 2, 3]) {
          const file = join(dir, `walk-${seed}.csv`)
          writeFileSync(file, randomWalk(seed, 1_500))
          yield* expectParity(file, 5, 20, "0.0005", { num: 5n, den: 10_000n }, mode)
        }
      })
    )
  })
}
