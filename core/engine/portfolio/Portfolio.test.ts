import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import { AAPL, BTCUSDT, currencies, ES } from "../../../test/fixtures/instruments"
import type { AccountId, CurrencyCode } from "../../domain/Ids"
import { Instrument } from "../../domain/Instrument"
import { type InstrumentSpec, makeSpecs, notional } from "../../domain/InstrumentSpec"
import { Position } from "../../domain/Portfolio"
import { FxRates } from "./FxRates"
import { type FillInput, Portfolio } from "./Portfolio"

/** An EUR-quoted, fully funded equity: 0.01 EUR a tick, one share a lot, so one tick-lot is 1 euro cent. */
const SAP = Schema.decodeUnknownSync(Instrument)({
  id: "SAP.XETR",
  venue: "XETR",
  symbol: "SAP",
  assetClass: "equity",
  quoteCurrency: "EUR",
  tickSize: "0.01",
  lotSize: "1",
  multiplier: "1",
  timezone: "Europe/Berlin",
  sessions: [{ days: ["mon", "tue", "wed", "thu", "fri"], open: "09:00", close: "17:30" }]
})

const specs = makeSpecs([AAPL, ES, BTCUSDT, SAP], currencies)
const spec = (i: number): InstrumentSpec => specs.list[i] as InstrumentSpec
const [aapl, es, btc, sap] = [spec(0), spec(1), spec(2), spec(3)]
const USD = "USD" as CurrencyCode
const EUR = "EUR" as CurrencyCode
const USDT = "USDT" as CurrencyCode
const base = currencies.find((c) => c.code === USD) ?? currencies[0]
if (base === undefined) throw new Error("fixture currencies")

const make = (fx = new FxRates(), baseCurrency = base) =>
  new Portfolio({ accountId: "ACC-1" as AccountId, baseCurrency, specs, fx })

const fill = (
  s: InstrumentSpec,
  side: "buy" | "sell",
  quantity: number,
  price: number,
  fee = 0,
  feeCurrency: CurrencyCode = s.currency.code
): FillInput => ({ spec: s, side, quantity, price, fee, feeCurrency, ts: 1_000 })

describe("Portfolio", () => {
  it("long, then partial close: average price, realized and unrealized PnL, equity", () => {
    const p = make()
    p.deposit(USD, 100_000_000, 1) // $1,000,000.00
    // AAPL: 1 tick × 1 lot = 1 cent. Buy 100 @ 150.00, buy 100 @ 152.00 → average 151.00, openCost 3,020,000.
    const first = p.applyFill(fill(aapl, "buy", 100, 15_000, 100))
    expect(first.realizedPnl).toBe(0)
    expect(first.cash.map((m) => [m.reason, m.amount, m.balance.total])).toEqual([
      ["trade", -1_500_000, 98_500_000],
      ["fee", -100, 98_499_900]
    ])
    p.applyFill(fill(aapl, "buy", 100, 15_200, 100))
    expect(p.averagePrice(0)).toBe(15_100)
    // Sell 50 @ 155.00: (155 − 151) × 50 = $200 = 20,000 cents; the closed share of cost is 3,020,000 / 4.
    const close = p.applyFill(fill(aapl, "sell", 50, 15_500, 100))
    expect(close.realizedPnl).toBe(20_000)
    expect(close.position).toMatchObject({ quantity: 150, openCost: 2_265_000, realizedPnl: 20_000, fees: 300 })
    expect(Schema.is(Position)(close.position)).toBe(true)
    // Cash: 100,000,000 − 1,500,000 − 1,520,000 + 775,000 − 300 fees = 97,754,700
    expect(p.cash(USD).total).toBe(97_754_700)
    p.mark(0, 15_400)
    // Unrealized: 150 × (154 − 151) = $450; market value 150 × 154.00 = 2,310,000
    expect(p.unrealizedPnl(0)).toBe(45_000)
    expect(p.marketValue(0)).toBe(2_310_000)
    // Equity = cash + market value = 100,064,700 = deposit + realized + unrealized − fees
    expect(p.equity()).toBe(100_064_700)
    expect(p.grossExposure()).toBe(2_310_000)
    expect(p.netExposure()).toBe(2_310_000)
  })

  it("short, then cover in two fills", () => {
    const p = make()
    p.deposit(USD, 1_000_000, 1)
    // Sell 10 @ 200.00 → cash +200,000; openCost −200,000 (signed like the quantity)
    const open = p.applyFill(fill(aapl, "sell", 10, 20_000))
    expect(open.cash[0]).toMatchObject({ reason: "trade", amount: 200_000 })
    expect(open.position).toMatchObject({ quantity: -10, openCost: -200_000 })
    expect(p.averagePrice(0)).toBe(20_000)
    p.mark(0, 21_000)
    // Unrealized −10 × $10 = −$100; market value −210,000; equity 1,000,000 + 200,000 − 210,000
    expect(p.unrealizedPnl(0)).toBe(-10_000)
    expect(p.equity()).toBe(990_000)
    expect(p.grossExposure()).toBe(210_000)
    expect(p.netExposure()).toBe(-210_000)
    // Buy 4 @ 190.00: 4 × $10 = $40. Buy 6 @ 205.00: 6 × −$5 = −$30.
    expect(p.applyFill(fill(aapl, "buy", 4, 19_000)).realizedPnl).toBe(4_000)
    const cover = p.applyFill(fill(aapl, "buy", 6, 20_500))
    expect(cover.realizedPnl).toBe(-3_000)
    expect(cover.position).toMatchObject({ quantity: 0, openCost: 0, realizedPnl: 1_000 })
    expect(p.averagePrice(0)).toBe(0)
    expect(p.unrealizedPnl(0)).toBe(0)
    // 1,000,000 + 200,000 − 76,000 − 123,000
    expect(p.cash(USD).total).toBe(1_001_000)
    expect(p.equity()).toBe(1_001_000)
  })

  it("flips through zero: closes the old position, opens the rest at the fill price", () => {
    const p = make()
    p.applyFill(fill(aapl, "buy", 10, 10_000))
    // Sell 25 @ 110.00: closes 10 for 10 × $10 = $100, opens −15 at 110.00
    const flip = p.applyFill(fill(aapl, "sell", 25, 11_000))
    expect(flip.realizedPnl).toBe(10_000)
    expect(flip.position).toMatchObject({ quantity: -15, openCost: -165_000 })
    expect(flip.cash).toHaveLength(1)
    expect(flip.cash[0]).toMatchObject({ reason: "trade", amount: 275_000 })
    expect(p.averagePrice(0)).toBe(11_000)
    // Buy 15 @ 105.00 covers the short for 15 × $5 = $75
    const cover = p.applyFill(fill(aapl, "buy", 15, 10_500))
    expect(cover.realizedPnl).toBe(7_500)
    expect(cover.position).toMatchObject({ quantity: 0, openCost: 0, realizedPnl: 17_500 })
    // −100,000 + 275,000 − 157,500 = 17,500: cash equals realized PnL
    expect(p.cash(USD).total).toBe(17_500)
  })

  it("book reuses one scratch result whose moves carry the balance right after each move", () => {
    const p = make()
    p.deposit(USD, 1_000_000, 1)
    p.reserve(USD, 7)
    const first = p.book(aapl, "buy", 10, 10_000, 150, USD, 2)
    // Trade: 1,000,000 − 10 × 10,000 = 900,000; then the fee: 900,000 − 150 = 899,850.
    expect(first.count).toBe(2)
    expect(first.moves.slice(0, 2)).toEqual([
      { currency: USD, amount: -100_000, reason: "trade", total: 900_000, reserved: 7 },
      { currency: USD, amount: -150, reason: "fee", total: 899_850, reserved: 7 }
    ])
    // Sell 4 @ 101.00, no fee: realizes 4 × (10,100 − 10,000) = 400; one move, 899,850 + 40,400 = 940,250.
    const second = p.book(aapl, "sell", 4, 10_100, 0, USD, 3)
    expect(second).toBe(first)
    expect([second.count, second.realizedPnl, second.moves[0].total]).toEqual([1, 400, 940_250])
    expect(p.cash(USD).total).toBe(940_250)
  })

  it("books fees and rebates in their own currency and in the position, converted", () => {
    const fx = new FxRates()
    fx.set(EUR, USD, "1.0850")
    const p = make(fx)
    const buy = p.applyFill(fill(aapl, "buy", 10, 10_000, 150))
    expect(buy.cash.map((m) => [m.reason, m.amount])).toEqual([
      ["trade", -100_000],
      ["fee", -150]
    ])
    // A maker rebate: fee −20 credits cash
    const sell = p.applyFill(fill(aapl, "sell", 5, 10_000, -20))
    expect(sell.cash.map((m) => [m.reason, m.amount])).toEqual([
      ["trade", 50_000],
      ["fee", 20]
    ])
    expect(sell.position.fees).toBe(130)
    // A fee of 1.00 EUR on a USD instrument: EUR cash −100; the position's fees +108.5 → 108 (half-even)
    const eurFee = p.applyFill(fill(aapl, "sell", 5, 10_000, 100, EUR))
    expect(eurFee.cash.map((m) => [m.currency, m.reason, m.amount])).toEqual([
      [USD, "trade", 50_000],
      [EUR, "fee", -100]
    ])
    expect(eurFee.position.fees).toBe(238)
    expect(p.cash(EUR).total).toBe(-100)
    // USD cash: −100,000 − 150 + 50,000 + 20 + 50,000 = −130; EUR −100 → −108.5 → −108 USD cents
    expect(p.equity()).toBe(-238)
    // Day PnL: no price change, only the fees: −150 + 20 − 108
    expect(p.dayPnl()).toBe(-238)
  })

  it("margined ES future: cash moves only by realized PnL and fees", () => {
    const p = make()
    p.deposit(USD, 5_000_000, 1) // $50,000.00
    // ES: 0.25 points a tick × $50 = $12.50 = 1,250 cents a tick-lot. Buy 2 @ 5000.00 = 20,000 ticks.
    const buy = p.applyFill(fill(es, "buy", 2, 20_000, 250))
    expect(buy.cash.map((m) => [m.reason, m.amount])).toEqual([["fee", -250]])
    expect(buy.position).toMatchObject({ quantity: 2, openCost: 40_000 })
    p.mark(1, 20_008) // 5002.00
    // 2 contracts × 2 points × $50 = $200
    expect(p.unrealizedPnl(1)).toBe(20_000)
    expect(p.equity()).toBe(5_000_000 - 250 + 20_000)
    // Exposure is the contracts' notional: 2 × 20,008 × 1,250 = 50,020,000 cents
    expect(p.grossExposure()).toBe(50_020_000)
    // Sell 1 @ 5003.00: 3 points × $50 = $150
    const sell = p.applyFill(fill(es, "sell", 1, 20_012, 250))
    expect(sell.realizedPnl).toBe(15_000)
    expect(sell.cash.map((m) => [m.reason, m.amount])).toEqual([
      ["realized-pnl", 15_000],
      ["fee", -250]
    ])
    expect(p.cash(USD).total).toBe(5_000_000 - 500 + 15_000)
    p.mark(1, 20_012)
    // Remaining long 1 at 5000.00 marked 5003.00: $150 unrealized; equity = cash + unrealized
    expect(p.unrealizedPnl(1)).toBe(15_000)
    expect(p.equity()).toBe(5_014_500 + 15_000)
    expect(p.netExposure()).toBe(25_015_000)
  })

  it("values an EUR instrument in a USD account through the FX rate", () => {
    const fx = new FxRates()
    fx.set(EUR, USD, "1.0850")
    const p = make(fx)
    p.deposit(EUR, 1_000_000, 1) // 10,000.00 EUR
    p.deposit(USD, 100_000, 1) // 1,000.00 USD
    // Buy 10 SAP @ 200.00 EUR: EUR cash −200,000
    const buy = p.applyFill(fill(sap, "buy", 10, 20_000))
    expect(buy.cash[0]).toMatchObject({ currency: EUR, amount: -200_000 })
    expect(buy.position.currency).toBe(EUR)
    p.mark(3, 21_000)
    // EUR: 800,000 cash + 210,000 value = 1,010,000 EUR cents × 1.085 = 1,095,850 USD cents; + 100,000 USD
    expect(p.equity()).toBe(1_195_850)
    // 210,000 EUR cents × 1.085
    expect(p.grossExposure()).toBe(227_850)
    // 10 × 10.00 EUR = 100.00 EUR unrealized = 108.50 USD
    expect(p.unrealizedPnl(3)).toBe(10_000)
    expect(p.dayPnl()).toBe(10_850)

    const noRate = make()
    noRate.deposit(EUR, 100, 1)
    expect(() => noRate.equity()).toThrow(RangeError)
    expect(() => noRate.equity()).toThrow("no FX rate for EUR/USD")
    // A currency with nothing in it needs no rate
    const empty = make()
    empty.deposit(USD, 100, 1)
    expect(empty.equity()).toBe(100)
  })

  it("counts day PnL from the marks at the reset", () => {
    const p = make()
    p.applyFill(fill(aapl, "buy", 10, 10_000, 100))
    p.mark(0, 10_100)
    // 10 × $1 − $1 fee
    expect(p.dayPnl()).toBe(900)
    p.resetDay()
    expect(p.dayPnl()).toBe(0)
    p.mark(0, 10_200)
    expect(p.dayPnl()).toBe(1_000)
    // Sell @ 103.00 with a 50-cent fee: today's move 101 → 103 on 10 shares is $20, minus the fee
    p.applyFill(fill(aapl, "sell", 10, 10_300, 50))
    expect(p.dayPnl()).toBe(1_950)
  })

  it("values a position at entry before its first mark", () => {
    const p = make()
    p.applyFill(fill(aapl, "buy", 10, 10_000))
    expect(p.lastPrice(0)).toBeUndefined()
    expect(p.unrealizedPnl(0)).toBe(0)
    expect(p.equity()).toBe(0)
    p.mark(0, 9_000)
    expect(p.lastPrice(0)).toBe(9_000)
    expect(p.equity()).toBe(-10_000)
  })

  it("crypto spot books the instrument position and quote cash, not a BTC balance", () => {
    const p = make()
    // BTC-USDT: 0.01 × 0.00001 × 10^6 micro-USDT = 1/10 micro-USDT a tick-lot.
    // Buy 3 lots (0.00003 BTC) @ 65000.00 = 6,500,000 ticks → 1.95 USDT = 1,950,000 micro
    const buy = p.applyFill(fill(btc, "buy", 3, 6_500_000))
    expect(buy.cash.map((m) => [m.currency, m.amount])).toEqual([[USDT, -1_950_000]])
    expect(p.balances(5).map((b) => b.currency)).toEqual([USDT])
    expect(p.positionQuantity(2)).toBe(3)
  })

  it("keeps cash, reservations and withdrawals consistent", () => {
    const p = make()
    expect(p.cash(USD)).toMatchObject({ total: 0, reserved: 0, updatedAt: 0 })
    const dep = p.deposit(USD, 10_000, 7)
    expect(dep).toMatchObject({
      currency: USD,
      amount: 10_000,
      reason: "deposit",
      balance: { total: 10_000, updatedAt: 7 }
    })
    p.reserve(USD, 6_000)
    expect(p.freeCash(USD)).toBe(4_000)
    expect(p.withdraw(USD, 4_001, 8)).toBeUndefined()
    expect(p.withdraw(USD, 4_000, 8)).toMatchObject({ amount: -4_000, reason: "withdrawal", balance: { total: 6_000 } })
    p.release(USD, 6_000)
    expect(p.freeCash(USD)).toBe(6_000)
    expect(() => p.release(USD, 1)).toThrow(RangeError)
    expect(() => p.deposit(USD, 0, 9)).toThrow(RangeError)
    expect(() => p.deposit(USD, 1.5, 9)).toThrow(RangeError)
    expect(() => p.deposit("CHF" as CurrencyCode, 100, 9)).toThrow("unknown currency CHF")
    p.deposit(EUR, 1, 9)
    // Currency order of the specs, stamped with the snapshot time
    expect(p.balances(42).map((b) => [b.currency, b.total, b.updatedAt])).toEqual([
      [USD, 6_000, 42],
      [EUR, 1, 42]
    ])
  })

  it("refuses bad fills and changes nothing", () => {
    const p = make()
    p.applyFill(fill(aapl, "buy", 10, 10_000))
    // A EUR fee without a EUR/USD rate cannot be booked into the position's fees
    expect(() => p.applyFill(fill(aapl, "sell", 5, 10_100, 100, EUR))).toThrow("no FX rate for EUR/USD")
    expect(() => p.applyFill(fill(aapl, "sell", 0, 10_100))).toThrow(RangeError)
    expect(() => p.applyFill(fill({ ...aapl, index: 1 }, "sell", 1, 10_100))).toThrow("not at index 1")
    expect(p.position(0, 5)).toMatchObject({ quantity: 10, openCost: 100_000, fees: 0, realizedPnl: 0, updatedAt: 5 })
    expect(p.cash(USD).total).toBe(-100_000)
    expect(p.cash(EUR).total).toBe(0)
  })

  it("lists touched positions, flat ones included, in instrument order", () => {
    const p = make()
    p.applyFill(fill(sap, "buy", 1, 100))
    p.applyFill(fill(aapl, "buy", 1, 100))
    p.applyFill(fill(aapl, "sell", 1, 100))
    expect(p.positions(9).map((x) => [x.instrumentId, x.quantity])).toEqual([
      [AAPL.id, 0],
      [SAP.id, 1]
    ])
  })

  it("day PnL kept incrementally equals the sum over instruments, read or not after each step (property)", () => {
    const eur = currencies.find((c) => c.code === EUR)
    if (eur === undefined) throw new Error("fixture currencies")
    const traded = [aapl, es, sap]
    const stepArb = fc.record({
      kind: fc.constantFrom("fill", "mark", "reset"),
      which: fc.integer({ min: 0, max: 2 }),
      buy: fc.boolean(),
      quantity: fc.integer({ min: 1, max: 40 }),
      price: fc.integer({ min: 1, max: 1_000_000 }),
      fee: fc.integer({ min: -50, max: 500 }),
      read: fc.boolean()
    })
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), (steps) => {
        const fx = new FxRates()
        fx.set(EUR, USD, "1.0850")
        const p = make(fx)
        // Reference: per instrument, realized − fees since the reset and the unrealized PnL at the reset.
        const flow = [0, 0, 0]
        const start = [0, 0, 0]
        const expected = (): number => {
          const sum = (k: number) => flow[k]! + p.unrealizedPnl(traded[k]!.index) - start[k]!
          const eurSum = sum(2)
          return sum(0) + sum(1) + (eurSum === 0 ? 0 : fx.convertOrThrow(eurSum, eur, base))
        }
        for (const step of steps) {
          const s = traded[step.which]!
          if (step.kind === "fill") {
            const result = p.applyFill(fill(s, step.buy ? "buy" : "sell", step.quantity, step.price, step.fee))
            flow[step.which] = flow[step.which]! + result.realizedPnl - step.fee
          } else if (step.kind === "mark") {
            p.mark(s.index, step.price)
          } else {
            p.resetDay()
            for (let k = 0; k < 3; k++) {
              flow[k] = 0
              start[k] = p.unrealizedPnl(traded[k]!.index)
            }
          }
          if (step.read) expect(p.dayPnl()).toBe(expected())
        }
        expect(p.dayPnl()).toBe(expected())
      }),
      { numRuns: 200 }
    )
  })

  describe("round trips (property)", () => {
    const fillArb = fc.record({
      buy: fc.boolean(),
      quantity: fc.integer({ min: 1, max: 40 }),
      price: fc.integer({ min: 1, max: 10_000_000 }),
      fee: fc.integer({ min: -50, max: 500 }),
      mark: fc.integer({ min: 1, max: 10_000_000 })
    })

    for (const s of [aapl, es, btc]) {
      it(`${s.instrument.id}: ending flat realizes Σ sell − Σ buy notional; cash and value are conserved net of fees`, () => {
        fc.assert(
          fc.property(
            fc.array(fillArb, { minLength: 1, maxLength: 30 }),
            fc.integer({ min: 1, max: 10_000_000 }),
            (fills, exitPrice) => {
              // Base currency = the instrument's, so that equity needs no FX rounding
              const p = make(new FxRates(), s.currency)
              const initial = 1_000_000_000
              p.deposit(s.currency.code, initial, 0)
              let realized = 0
              let fees = 0
              let sells = 0
              let buys = 0
              const apply = (side: "buy" | "sell", quantity: number, price: number, fee: number) => {
                const result = p.applyFill(fill(s, side, quantity, price, fee))
                realized += result.realizedPnl
                fees += fee
                if (side === "buy") buys += notional(s, price, quantity)
                else sells += notional(s, price, quantity)
              }
              for (const f of fills) {
                apply(f.buy ? "buy" : "sell", f.quantity, f.price, f.fee)
                p.mark(s.index, f.mark)
                // Equity = deposit + realized + unrealized − fees, at every step
                expect(p.equity()).toBe(initial + realized + p.unrealizedPnl(s.index) - fees)
              }
              const q = p.positionQuantity(s.index)
              if (q !== 0) apply(q > 0 ? "sell" : "buy", Math.abs(q), exitPrice, 0)
              const position = p.position(s.index, 1)
              expect(position).toMatchObject({ quantity: 0, openCost: 0, realizedPnl: realized })
              expect(realized).toBe(sells - buys)
              const cash = p.cash(s.currency.code).total
              // Funded: cash moved by every notional; margined: by realized PnL. Either way, ending flat, by the same.
              expect(cash).toBe(initial + sells - buys - fees)
              expect(p.equity()).toBe(cash)
            }
          ),
          { numRuns: 150 }
        )
      })
    }
  })
})
