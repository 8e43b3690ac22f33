/**
 * Foreign-exchange rates for valuing an account in its base currency. Rates are exact decimals held as BigInt
 * fractions; a conversion rounds once, half-even, at the end, so a cross rate never compounds rounding.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import type { Currency } from "../../domain/Currency"
import * as Decimal from "../../domain/Decimal"
import type { CurrencyCode } from "../../domain/Ids"
import { PrecisionLossError } from "../../domain/SafeInt"

/** Units of the quote currency per one unit of the base currency, as the fraction `num / den` (both > 0). */
interface Rate {
  readonly num: bigint
  readonly den: bigint
}

const pairKey = (base: CurrencyCode, quote: CurrencyCode): string => `${base}/${quote}`

const pow10 = (n: number): bigint => 10n ** BigInt(n)

/** `num / den` rounded half-even; `den` > 0. */
const divideHalfEven = (num: bigint, den: bigint): bigint => {
  const q = num / den
  const r = num - q * den
  if (r === 0n) return q
  const floor = num < 0n ? q - 1n : q
  const twice = 2n * (num - floor * den)
  if (twice < den) return floor
  if (twice > den) return floor + 1n
  return floor % 2n === 0n ? floor : floor + 1n
}

/**
 * A table of FX rates with exact conversion between minor units. Lookups try the direct pair, then the inverse,
 * then a cross through one intermediate currency (in the order currencies were first set, so the result is
 * deterministic). Resolved paths are cached until the next `set`.
 */
export class FxRates {
  private readonly rates = new Map<string, Rate>()
  /** Currencies in the order they first appeared: the candidates for a cross, tried in this order. */
  private readonly codes: Array<CurrencyCode> = []
  private readonly resolved = new Map<string, Rate | undefined>()

  /** rate = units of `quote` per 1 unit of `base`, as a decimal string, e.g. set("EUR", "USD", "1.0850"). */
  set(base: CurrencyCode, quote: CurrencyCode, rate: string): void {
    if (base === quote) throw new RangeError(`FX rate ${base}/${quote}: base and quote must differ`)
    const parsed = Decimal.increment(rate)
    if (Either.isLeft(parsed)) {
      throw new RangeError(`FX rate ${base}/${quote}: "${rate}" must be a positive decimal`)
    }
    this.rates.set(pairKey(base, quote), { num: parsed.right.mantissa, den: pow10(parsed.right.scale) })
    if (!this.codes.includes(base)) this.codes.push(base)
    if (!this.codes.includes(quote)) this.codes.push(quote)
    this.resolved.clear()
  }

  /** Whether `convert` can find a path from `from` to `to`. */
  has(from: CurrencyCode, to: CurrencyCode): boolean {
    return from === to || this.resolve(from, to) !== undefined
  }

  /**
   * Convert minor units of `from` into minor units of `to`, exact rational arithmetic (BigInt), half-even;
   * uses the direct pair, else the inverse pair, else a cross through one intermediate currency;
   * returns undefined when no path exists. Same currency returns amount unchanged.
   * Throws `PrecisionLossError` if the result leaves the safe integer range.
   */
  convert(amount: number, from: Currency, to: Currency): number | undefined {
    if (from.code === to.code) return amount
    const rate = this.resolve(from.code, to.code)
    if (rate === undefined) return undefined
    // amount / 10^from.decimals major units × rate, times 10^to.decimals minor units per major unit.
    const exact = divideHalfEven(BigInt(amount) * rate.num * pow10(to.decimals), rate.den * pow10(from.decimals))
    const result = Number(exact)
    if (!Number.isSafeInteger(result)) {
      throw new PrecisionLossError({ operation: `convert ${from.code}/${to.code}`, operands: [amount] })
    }
    return result
  }

  /** `convert`, but a missing rate throws a `RangeError` naming the pair. */
  convertOrThrow(amount: number, from: Currency, to: Currency): number {
    const result = this.convert(amount, from, to)
    if (result === undefined) {
      throw new RangeError(`no FX rate for ${from.code}/${to.code} (direct, inverse or cross)`)
    }
    return result
  }

  private resolve(from: CurrencyCode, to: CurrencyCode): Rate | undefined {
    const key = pairKey(from, to)
    if (this.resolved.has(key)) return this.resolved.get(key)
    let rate = this.single(from, to)
    for (let i = 0; rate === undefined && i < this.codes.length; i++) {
      const via = this.codes[i] as CurrencyCode
      if (via === from || via === to) continue
      const first = this.single(from, via)
      const second = first === undefined ? undefined : this.single(via, to)
      if (first !== undefined && second !== undefined) {
        rate = { num: first.num * second.num, den: first.den * second.den }
      }
    }
    this.resolved.set(key, rate)
    return rate
  }

  /** The direct pair, else the inverse of the opposite pair. */
  private single(from: CurrencyCode, to: CurrencyCode): Rate | undefined {
    const direct = this.rates.get(pairKey(from, to))
    if (direct !== undefined) return direct
    const inverse = this.rates.get(pairKey(to, from))
    return inverse === undefined ? undefined : { num: inverse.den, den: inverse.num }
  }
}
