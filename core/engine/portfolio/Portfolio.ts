/**
 * The ledger of one account: netted positions per instrument and cash per currency, valued in the account's base
 * currency.
 *
 * Accounting rules
 * - Netting, average-price method: one position per instrument. `openCost` is Σ price × lots of the open lots in
 *   tick-lots, signed like the quantity; alongside it the ledger keeps `openValue`, the same lots' entry money in
 *   minor units (Σ of the fills' `notional`, i.e. exactly the cash the entries moved).
 * - A reducing fill of `closed` lots realizes `notional(exit) − closedShare(openValue)` (sign-flipped for a
 *   short), where `closedShare = openValue × closed / |quantity|` rounded half-even; the rounding remainder stays
 *   in `openValue` (and likewise in `openCost`), and closing the last lot takes all of it. So a round trip that
 *   ends flat realizes exactly Σ sell notional − Σ buy notional, to the minor unit.
 * - A fill that flips through zero closes the old position, then opens the rest at the fill price; the new lots'
 *   entry value is the fill's notional minus the closing part's, so the fill's money is split without loss.
 * - Fully funded instruments (`Instrument.margin` absent): a fill moves cash of the quote currency by ∓ notional
 *   (reason "trade"); equity counts the position's market value. Crypto spot books only the instrument position,
 *   never a cash balance of its base asset.
 * - Margined instruments (`Instrument.margin` present): a fill moves no notional; realized PnL moves cash (reason
 *   "realized-pnl"); equity counts the position's unrealized PnL.
 * - Fees move cash of their own currency (reason "fee", a rebate is a negative fee) and accumulate in
 *   `Position.fees`, converted to the instrument's currency.
 * - A position is valued at its last mark; before its first mark, at its entry value (unrealized PnL 0).
 * - Base-currency figures (equity, exposure, day PnL) sum per currency, then convert each sum with `FxRates`;
 *   a missing rate throws a `RangeError` naming the pair. A currency whose sum is zero needs no rate.
 * - Bad input (unknown currency or instrument, non-integer or non-positive amounts) throws a `RangeError` and
 *   changes nothing.
 *
 * @since 0.1.0
 */
import type { Currency } from "../../domain/Currency"
import type { AccountId, CurrencyCode } from "../../domain/Ids"
import { type InstrumentSpec, type InstrumentSpecs, notional } from "../../domain/InstrumentSpec"
import type { CashBalance, Position } from "../../domain/Portfolio"
import { add, mul, mulDivRound, sub } from "../../domain/SafeInt"
import { lots, minor, timestamp } from "../../domain/Units"
import type { FxRates } from "./FxRates"

/** A fill as the ledger needs it: the instrument already resolved to its spec. */
export interface FillInput {
  readonly spec: InstrumentSpec
  readonly side: "buy" | "sell"
  /** Lots, > 0. */
  readonly quantity: number
  /** Ticks. */
  readonly price: number
  /** Minor units of `feeCurrency`; negative for a rebate. */
  readonly fee: number
  readonly feeCurrency: CurrencyCode
  readonly ts: number
}

/** One change of a cash balance: `amount` is the signed change of the total, `balance` the balance after it. */
export interface CashMove {
  readonly currency: CurrencyCode
  readonly amount: number
  readonly reason: "deposit" | "withdrawal" | "fee" | "trade" | "realized-pnl"
  readonly balance: CashBalance
}

/** What a fill did: the position after it, the PnL it realized (instrument currency) and the cash it moved. */
export interface FillResult {
  readonly position: Position
  readonly realizedPnl: number
  readonly cash: ReadonlyArray<CashMove>
}

/** One cash move of a booked fill, as plain numbers: `total` and `reserved` are the balance right after it. */
export interface BookedMove {
  currency: CurrencyCode
  amount: number
  reason: "fee" | "trade" | "realized-pnl"
  total: number
  reserved: number
}

/**
 * What `book` did, in a scratch object the ledger reuses (so a fill allocates nothing): read it before the next
 * `book`. `moves[0]` .. `moves[count - 1]` are the cash moves in the order they happened.
 */
export interface BookedFill {
  /** PnL the fill realized, minor units of the instrument's currency. */
  realizedPnl: number
  count: number
  readonly moves: readonly [BookedMove, BookedMove]
}

const bookedMove = (): BookedMove => ({
  currency: "" as CurrencyCode,
  amount: 0,
  reason: "trade",
  total: 0,
  reserved: 0
})

const requireInteger = (name: string, n: number, positive: boolean): void => {
  if (!Number.isSafeInteger(n) || (positive && n <= 0)) {
    throw new RangeError(`${name} must be a ${positive ? "positive " : ""}safe integer, got ${n}`)
  }
}

const notAtIndex = (spec: InstrumentSpec): never => {
  throw new RangeError(`instrument ${spec.instrument.id} is not at index ${spec.index} of this portfolio`)
}

const badFill = (quantity: number, price: number, fee: number): never => {
  requireInteger("fill quantity", quantity, true)
  requireInteger("fill price", price, false)
  requireInteger("fee", fee, false)
  throw new RangeError(`bad fill: quantity ${quantity}, price ${price}, fee ${fee}`)
}

/** Negation that never yields -0 (which `toBe(0)` and `Object.is` tell apart from 0). */
const neg = (n: number): number => 0 - n

/**
 * Positions, cash and PnL of one account, in exact integer units. Owned by one caller (the account's single
 * writer); state lives in typed arrays indexed by `InstrumentSpec.index` and by currency, so marks and position
 * reads allocate nothing.
 */
export class Portfolio {
  private readonly accountId: AccountId
  private readonly base: Currency
  private readonly baseIndex: number
  private readonly specs: InstrumentSpecs
  private readonly fx: FxRates

  private readonly currencies: Array<Currency> = []
  private readonly currencyIndex = new Map<CurrencyCode, number>()
  private lastCode = ""
  private lastIndex = 0
  private readonly cashTotal: Float64Array
  private readonly cashReserved: Float64Array
  private readonly cashUpdatedAt: Float64Array
  private readonly cashTouched: Uint8Array
  /** Realized PnL minus fees since `resetDay`, per currency. */
  private readonly dayFlow: Float64Array
  /** Scratch per-currency sums for the base-currency figures. */
  private readonly sums: Float64Array

  private readonly quantity: Float64Array
  private readonly openCost: Float64Array
  private readonly openValue: Float64Array
  private readonly realized: Float64Array
  private readonly fees: Float64Array
  private readonly last: Float64Array
  private readonly marked: Uint8Array
  private readonly touched: Uint8Array
  private readonly dayStartUnrealized: Float64Array
  /** Unrealized PnL of each instrument when it was last brought into `dayUnrealized`. */
  private readonly seenUnrealized: Float64Array
  /** Σ (seenUnrealized − dayStartUnrealized) per currency, so `dayPnl` need not visit every instrument. */
  private readonly dayUnrealized: Float64Array
  /** Instruments filled or marked since `dayPnl` last looked: their `seenUnrealized` may be out of date. */
  private readonly stale: Int32Array
  private readonly isStale: Uint8Array
  private staleCount = 0
  private readonly instrumentCurrency: Int32Array
  private readonly funded: Uint8Array
  private readonly booked: BookedFill = { realizedPnl: 0, count: 0, moves: [bookedMove(), bookedMove()] }

  constructor(options: {
    readonly accountId: AccountId
    readonly baseCurrency: Currency
    readonly specs: InstrumentSpecs
    readonly fx: FxRates
  }) {
    this.accountId = options.accountId
    this.specs = options.specs
    this.fx = options.fx
    for (const currency of options.specs.currencies.values()) this.addCurrency(currency)
    this.addCurrency(options.baseCurrency)
    this.baseIndex = this.currencyIndex.get(options.baseCurrency.code) as number
    this.base = this.currencies[this.baseIndex] as Currency
    const c = this.currencies.length
    this.cashTotal = new Float64Array(c)
    this.cashReserved = new Float64Array(c)
    this.cashUpdatedAt = new Float64Array(c)
    this.cashTouched = new Uint8Array(c)
    this.dayFlow = new Float64Array(c)
    this.sums = new Float64Array(c)
    this.dayUnrealized = new Float64Array(c)
    const n = options.specs.list.length
    this.quantity = new Float64Array(n)
    this.openCost = new Float64Array(n)
    this.openValue = new Float64Array(n)
    this.realized = new Float64Array(n)
    this.fees = new Float64Array(n)
    this.last = new Float64Array(n)
    this.marked = new Uint8Array(n)
    this.touched = new Uint8Array(n)
    this.dayStartUnrealized = new Float64Array(n)
    this.seenUnrealized = new Float64Array(n)
    this.stale = new Int32Array(n)
    this.isStale = new Uint8Array(n)
    this.instrumentCurrency = new Int32Array(n)
    this.funded = new Uint8Array(n)
    for (const spec of options.specs.list) {
      this.instrumentCurrency[spec.index] = this.currencyOf(spec.currency.code)
      this.funded[spec.index] = spec.instrument.margin === undefined ? 1 : 0
    }
  }

  // ---- cash ----

  deposit(currency: CurrencyCode, amount: number, ts: number): CashMove {
    requireInteger("deposit amount", amount, true)
    return this.moveCash(this.currencyOf(currency), amount, "deposit", ts)
  }

  /** undefined when free cash (total - reserved) is short */
  withdraw(currency: CurrencyCode, amount: number, ts: number): CashMove | undefined {
    requireInteger("withdrawal amount", amount, true)
    const c = this.currencyOf(currency)
    if (this.freeCashAt(c) < amount) return undefined
    return this.moveCash(c, neg(amount), "withdrawal", ts)
  }

  /** The balance of `currency` with the time of its last change (0 and zero amounts if never touched). */
  cash(currency: CurrencyCode): CashBalance {
    const c = this.currencyOf(currency)
    return this.balanceAt(c, this.cashUpdatedAt[c] as number)
  }

  freeCash(currency: CurrencyCode): number {
    return this.freeCashAt(this.currencyOf(currency))
  }

  /** Hold cash for working orders; free cash may go negative if the caller reserves more than it has. */
  reserve(currency: CurrencyCode, amount: number): void {
    requireInteger("reserve amount", amount, false)
    if (amount < 0) throw new RangeError(`reserve amount must not be negative, got ${amount}`)
    const c = this.currencyOf(currency)
    this.cashReserved[c] = add(this.cashReserved[c] as number, amount)
  }

  /** Return held cash; releasing more than is reserved is a bookkeeping bug and throws. */
  release(currency: CurrencyCode, amount: number): void {
    requireInteger("release amount", amount, false)
    const c = this.currencyOf(currency)
    const reserved = this.cashReserved[c] as number
    if (amount < 0 || amount > reserved) {
      throw new RangeError(`cannot release ${amount} ${currency}: ${reserved} reserved`)
    }
    this.cashReserved[c] = reserved - amount
  }

  /** Touched balances in currency order (the specs' currencies, then the base currency), stamped `ts`. */
  balances(ts: number): ReadonlyArray<CashBalance> {
    const out: Array<CashBalance> = []
    for (let c = 0; c < this.currencies.length; c++) if (this.cashTouched[c] === 1) out.push(this.balanceAt(c, ts))
    return out
  }

  // ---- trading ----

  /** Book a fill and return what it did with the position after it (allocates a result; see `book`). */
  applyFill(fill: FillInput): FillResult {
    const booked = this.book(fill.spec, fill.side, fill.quantity, fill.price, fill.fee, fill.feeCurrency, fill.ts)
    const cash: Array<CashMove> = []
    for (let k = 0; k < booked.count; k++) {
      const { currency, amount, reason, total, reserved } = booked.moves[k]!
      const balance: CashBalance = {
        accountId: this.accountId,
        currency,
        total: minor(total),
        reserved: minor(reserved),
        updatedAt: timestamp(fill.ts)
      }
      cash.push({ currency, amount, reason, balance })
    }
    return { position: this.position(fill.spec.index, fill.ts), realizedPnl: booked.realizedPnl, cash }
  }

  /**
   * Hot path: book a fill (`quantity` lots at `price` ticks, `fee` minor units of `feeCurrency`, negative for a
   * rebate) without allocating. The returned scratch object is reused by the next call; read it at once.
   */
  book(
    fillSpec: InstrumentSpec,
    side: "buy" | "sell",
    quantity: number,
    price: number,
    fee: number,
    feeCurrency: CurrencyCode,
    ts: number
  ): BookedFill {
    const i = fillSpec.index
    const spec = this.specs.list[i]
    if (spec === undefined || (spec !== fillSpec && spec.instrument.id !== fillSpec.instrument.id)) {
      return notAtIndex(fillSpec)
    }
    if (!(quantity > 0 && Number.isSafeInteger(quantity) && Number.isSafeInteger(price) && Number.isSafeInteger(fee))) {
      return badFill(quantity, price, fee)
    }
    const feeC = this.currencyOf(feeCurrency)
    const instC = this.instrumentCurrency[i] as number
    const feeInInstrument =
      fee === 0 || feeC === instC ? fee : this.fx.convertOrThrow(fee, this.currencies[feeC] as Currency, spec.currency)

    const s = side === "buy" ? 1 : -1
    const q0 = this.quantity[i] as number
    const fillValue = notional(spec, price, quantity)
    let q = q0
    let cost = this.openCost[i] as number
    let value = this.openValue[i] as number
    let realized = 0
    let opening = quantity
    let openingValue = fillValue
    if (q0 !== 0 && Math.sign(q0) !== s) {
      const open = Math.abs(q0)
      const closed = Math.min(open, quantity)
      const exitValue = closed === quantity ? fillValue : notional(spec, price, closed)
      const closedValue = closed === open ? value : mulDivRound(value, closed, 1, open)
      const closedCost = closed === open ? cost : mulDivRound(cost, closed, 1, open)
      // Long (s = -1): exit − entry. Short (s = 1): entry − exit, with entry (closedValue) negative.
      realized = s === 1 ? sub(neg(exitValue), closedValue) : sub(exitValue, closedValue)
      value = sub(value, closedValue)
      cost = sub(cost, closedCost)
      q = sub(q0, Math.sign(q0) * closed)
      opening = quantity - closed
      openingValue = sub(fillValue, exitValue)
    }
    if (opening > 0) {
      const openCost = mul(price, opening)
      value = s === 1 ? add(value, openingValue) : sub(value, openingValue)
      cost = s === 1 ? add(cost, openCost) : sub(cost, openCost)
      q = s === 1 ? add(q, opening) : sub(q, opening)
    }
    const cashDelta = this.funded[i] === 1 ? (s === 1 ? neg(fillValue) : fillValue) : realized
    const newRealized = add(this.realized[i] as number, realized)
    const newFees = add(this.fees[i] as number, feeInInstrument)
    // Check the cash totals and day flows before changing anything, so that an overflow leaves no trace.
    const instTotal = add(this.cashTotal[instC] as number, cashDelta)
    const feeTotal = sub(feeC === instC ? instTotal : (this.cashTotal[feeC] as number), fee)
    const instFlow = add(this.dayFlow[instC] as number, realized)
    const feeFlow = sub(feeC === instC ? instFlow : (this.dayFlow[feeC] as number), fee)

    this.quantity[i] = q
    this.openCost[i] = cost
    this.openValue[i] = value
    this.realized[i] = newRealized
    this.fees[i] = newFees
    this.touched[i] = 1
    this.markStale(i)
    this.dayFlow[instC] = instFlow
    this.dayFlow[feeC] = feeFlow
    const booked = this.booked
    booked.realizedPnl = realized
    booked.count = 0
    if (cashDelta !== 0) {
      this.bookMove(instC, cashDelta, instTotal, this.funded[i] === 1 ? "trade" : "realized-pnl", ts)
    }
    if (fee !== 0) this.bookMove(feeC, neg(fee), feeTotal, "fee", ts)
    return booked
  }

  // ---- positions (hot path reads) ----

  /** hot path: last price (ticks) of instrument `index` (InstrumentSpec.index); no allocation */
  mark(index: number, price: number): void {
    this.last[index] = price
    this.marked[index] = 1
    this.markStale(index)
  }

  lastPrice(index: number): number | undefined {
    return this.marked[index] === 1 ? this.last[index] : undefined
  }

  /** Signed lots. */
  positionQuantity(index: number): number {
    return this.quantity[index] ?? 0
  }

  /** A snapshot of the position, stamped `ts`. */
  position(index: number, ts: number): Position {
    const spec = this.specAt(index)
    return {
      accountId: this.accountId,
      instrumentId: spec.instrument.id,
      quantity: lots(this.quantity[index] as number),
      openCost: lots(this.openCost[index] as number),
      realizedPnl: minor(this.realized[index] as number),
      fees: minor(this.fees[index] as number),
      currency: spec.currency.code,
      updatedAt: timestamp(ts)
    }
  }

  /** Non-flat and flat-but-touched positions, in instrument index order, stamped `ts`. */
  positions(ts: number): ReadonlyArray<Position> {
    const out: Array<Position> = []
    for (let i = 0; i < this.touched.length; i++) if (this.touched[i] === 1) out.push(this.position(i, ts))
    return out
  }

  /** Ticks as a float, for display only; 0 when flat. */
  averagePrice(index: number): number {
    const q = this.quantity[index] ?? 0
    return q === 0 ? 0 : (this.openCost[index] as number) / q
  }

  /** Realized PnL of the instrument since the start, before fees, minor units of its currency. */
  realizedPnl(index: number): number {
    return this.realized[index] ?? 0
  }

  /** Signed market value at the last mark (entry value before the first mark), minor units of its currency. */
  marketValue(index: number): number {
    const q = this.quantity[index] ?? 0
    if (q === 0) return 0
    if (this.marked[index] !== 1) return this.openValue[index] as number
    return notional(this.specAt(index), this.last[index] as number, q) + 0 // + 0 turns -0 into 0
  }

  /** Minor units of the instrument's currency, at the last mark. */
  unrealizedPnl(index: number): number {
    return sub(this.marketValue(index), this.openValue[index] ?? 0)
  }

  // ---- account figures in the base currency ----

  /** Account equity in minor units of the base currency, converted with fx. */
  equity(): number {
    const sums = this.sums
    // A loop, not `sums.set`: for a handful of currencies the builtin's call costs more than the copy.
    for (let c = 0; c < sums.length; c++) sums[c] = this.cashTotal[c] as number
    for (let i = 0; i < this.quantity.length; i++) {
      if (this.quantity[i] === 0) continue
      const c = this.instrumentCurrency[i] as number
      const contribution = this.funded[i] === 1 ? this.marketValue(i) : this.unrealizedPnl(i)
      sums[c] = add(sums[c] as number, contribution)
    }
    return this.sumToBase()
  }

  /** Σ |position market value|, base currency minor units. */
  grossExposure(): number {
    let total = 0
    for (let i = 0; i < this.quantity.length; i++) {
      if (this.quantity[i] === 0) continue
      total = add(total, Math.abs(this.toBase(this.marketValue(i), this.instrumentCurrency[i] as number)))
    }
    return total
  }

  /** Σ signed position market value, base currency minor units. */
  netExposure(): number {
    const sums = this.sums
    sums.fill(0)
    for (let i = 0; i < this.quantity.length; i++) {
      if (this.quantity[i] === 0) continue
      const c = this.instrumentCurrency[i] as number
      sums[c] = add(sums[c] as number, this.marketValue(i))
    }
    return this.sumToBase()
  }

  /** Realized + unrealized PnL minus fees since `resetDay()`, base currency minor units (daily-loss kill switch). */
  dayPnl(): number {
    // Only instruments filled or marked since the last call can have moved; each is revalued before it leaves
    // the stale list, so a valuation that throws leaves the running sums exact.
    while (this.staleCount > 0) {
      const i = this.stale[this.staleCount - 1] as number
      if (this.isStale[i] === 1) this.catchUp(i, this.unrealizedPnl(i))
      this.isStale[i] = 0
      this.staleCount--
    }
    let total = 0
    for (let c = 0; c < this.dayFlow.length; c++) {
      const flow = this.dayFlow[c] as number
      const unrealized = this.dayUnrealized[c] as number
      if (flow === 0 && unrealized === 0) continue
      total = add(total, this.toBase(add(flow, unrealized), c))
    }
    return total
  }

  /** Start a new trading day: day PnL counts from the current marks. */
  resetDay(): void {
    this.dayFlow.fill(0)
    for (let i = 0; i < this.quantity.length; i++) {
      const u = this.unrealizedPnl(i)
      // Drop the instrument's old share: from now on it counts from `u`.
      const c = this.instrumentCurrency[i] as number
      const share = sub(this.seenUnrealized[i] as number, this.dayStartUnrealized[i] as number)
      this.dayUnrealized[c] = sub(this.dayUnrealized[c] as number, share)
      this.seenUnrealized[i] = u
      this.dayStartUnrealized[i] = u
    }
    for (let k = 0; k < this.staleCount; k++) this.isStale[this.stale[k] as number] = 0
    this.staleCount = 0
  }

  // ---- internals ----

  private markStale(i: number): void {
    if (this.isStale[i] === 1) return
    this.isStale[i] = 1
    this.stale[this.staleCount++] = i
  }

  /** Move instrument `i`'s share of `dayUnrealized` to its unrealized PnL `u`. */
  private catchUp(i: number, u: number): void {
    const c = this.instrumentCurrency[i] as number
    this.dayUnrealized[c] = add(this.dayUnrealized[c] as number, sub(u, this.seenUnrealized[i] as number))
    this.seenUnrealized[i] = u
  }

  private addCurrency(currency: Currency): void {
    if (this.currencyIndex.has(currency.code)) return
    this.currencyIndex.set(currency.code, this.currencies.length)
    this.currencies.push(currency)
  }

  /** The index of a currency; the last one asked for is remembered (fills and reserves repeat one currency). */
  private currencyOf(code: CurrencyCode): number {
    if (code === this.lastCode) return this.lastIndex
    const c = this.currencyIndex.get(code)
    if (c === undefined) throw new RangeError(`unknown currency ${code} in account ${this.accountId}`)
    this.lastCode = code
    this.lastIndex = c
    return c
  }

  private specAt(index: number): InstrumentSpec {
    const spec = this.specs.list[index]
    if (spec === undefined) throw new RangeError(`no instrument at index ${index}`)
    return spec
  }

  private freeCashAt(c: number): number {
    return (this.cashTotal[c] as number) - (this.cashReserved[c] as number)
  }

  private moveCash(c: number, amount: number, reason: CashMove["reason"], ts: number): CashMove {
    this.cashTotal[c] = add(this.cashTotal[c] as number, amount)
    this.cashUpdatedAt[c] = ts
    this.cashTouched[c] = 1
    return { currency: (this.currencies[c] as Currency).code, amount, reason, balance: this.balanceAt(c, ts) }
  }

  /** Move cash for a fill (`total` is the balance after it, checked by `book`) and note it in `booked`. */
  private bookMove(c: number, amount: number, total: number, reason: BookedMove["reason"], ts: number): void {
    this.cashTotal[c] = total
    this.cashUpdatedAt[c] = ts
    this.cashTouched[c] = 1
    const move = this.booked.moves[this.booked.count++]!
    move.currency = (this.currencies[c] as Currency).code
    move.amount = amount
    move.reason = reason
    move.total = total
    move.reserved = this.cashReserved[c] as number
  }

  private balanceAt(c: number, ts: number): CashBalance {
    return {
      accountId: this.accountId,
      currency: (this.currencies[c] as Currency).code,
      total: minor(this.cashTotal[c] as number),
      reserved: minor(this.cashReserved[c] as number),
      updatedAt: timestamp(ts)
    }
  }

  private toBase(amount: number, c: number): number {
    if (c === this.baseIndex || amount === 0) return amount
    return this.fx.convertOrThrow(amount, this.currencies[c] as Currency, this.base)
  }

  private sumToBase(): number {
    let total = 0
    for (let c = 0; c < this.sums.length; c++) total = add(total, this.toBase(this.sums[c] as number, c))
    return total
  }
}
