/**
 * The instrument provider: the venue's market metadata (its exchangeInfo, through ccxt's `loadMarkets`) as our
 * static data. Tick and lot come from the venue's PRICE_FILTER `tickSize` and LOT_SIZE `stepSize` as exact decimal
 * strings, so a price or quantity of the venue is a whole number of ticks or lots, or it is refused.
 *
 * @since 0.1.0
 */

import type { Currency } from "@meridian/core/domain/Currency"
import * as Decimal from "@meridian/core/domain/Decimal"
import type { CurrencyCode, InstrumentId, VenueId } from "@meridian/core/domain/Ids"
import { Instrument } from "@meridian/core/domain/Instrument"
import { type InstrumentSpecs, makeSpecs } from "@meridian/core/domain/InstrumentSpec"
import type { Market } from "ccxt"
import { Either, ParseResult, Schema } from "effect"
import type { CcxtExchange } from "./CcxtConfig"
import { CcxtError } from "./CcxtError"
import { toUnits, trimDecimal } from "./internal/units"

/** One instrument as the connector trades it: our id, the venue's market id and the increments between them. */
export interface VenueInstrument {
  readonly id: InstrumentId
  /** The venue's market id, e.g. `BTCUSDT`. */
  readonly symbol: string
  readonly tick: Decimal.Increment
  readonly lot: Decimal.Increment
  readonly baseAsset: string
  readonly quoteAsset: string
}

export interface VenueInstruments {
  readonly specs: InstrumentSpecs
  readonly byId: ReadonlyMap<InstrumentId, VenueInstrument>
  readonly bySymbol: ReadonlyMap<string, VenueInstrument>
}

const Filter = Schema.Struct({ filterType: Schema.String }, { key: Schema.String, value: Schema.Unknown })

/** The fields of an exchangeInfo `symbols[]` entry this provider reads (spot and USD-M share them). */
const SymbolInfo = Schema.Struct({
  symbol: Schema.String,
  status: Schema.String,
  baseAsset: Schema.String,
  quoteAsset: Schema.String,
  baseAssetPrecision: Schema.Int,
  quoteAssetPrecision: Schema.optional(Schema.Int),
  quotePrecision: Schema.optional(Schema.Int),
  filters: Schema.Array(Filter)
})

const PriceFilter = Schema.Struct({ filterType: Schema.Literal("PRICE_FILTER"), tickSize: Schema.String })
const LotSize = Schema.Struct({
  filterType: Schema.Literal("LOT_SIZE"),
  stepSize: Schema.String,
  minQty: Schema.String,
  maxQty: Schema.String
})

const fail = (message: string) => new CcxtError({ reason: "BadPayload", message })

const formatParse = (prefix: string, error: ParseResult.ParseError) =>
  fail(
    `${prefix}: ${ParseResult.ArrayFormatter.formatErrorSync(error)
      .map((i) => `${i.path.join(".")}: ${i.message}`)
      .join("; ")}`
  )

/** Our instrument for one venue market, or the reason it cannot be one (named by symbol and field). */
export const instrumentOf = (
  market: NonNullable<Market>,
  exchange: CcxtExchange,
  venue: VenueId
): Either.Either<{ readonly instrument: Instrument; readonly currencies: ReadonlyArray<Currency> }, CcxtError> =>
  Either.gen(function* () {
    const where = `exchangeInfo ${market.id}`
    const info = yield* Either.mapLeft(Schema.decodeUnknownEither(SymbolInfo)(market.info), (e) =>
      formatParse(where, e)
    )
    const price = info.filters.find((f) => f.filterType === "PRICE_FILTER")
    const lot = info.filters.find((f) => f.filterType === "LOT_SIZE")
    if (price === undefined || lot === undefined)
      return yield* Either.left(fail(`${where}: filters: no PRICE_FILTER or LOT_SIZE`))
    const priceFilter = yield* Either.mapLeft(Schema.decodeUnknownEither(PriceFilter)(price), (e) =>
      formatParse(`${where}.PRICE_FILTER`, e)
    )
    const lotSize = yield* Either.mapLeft(Schema.decodeUnknownEither(LotSize)(lot), (e) =>
      formatParse(`${where}.LOT_SIZE`, e)
    )
    const tickSize = trimDecimal(priceFilter.tickSize)
    const stepSize = trimDecimal(lotSize.stepSize)
    const lotIncrement = yield* Either.mapLeft(Decimal.increment(stepSize), (e) =>
      fail(`${where}.LOT_SIZE.stepSize: ${e.message}`)
    )
    const minQuantity = yield* Either.mapLeft(toUnits(lotSize.minQty, lotIncrement), (e) =>
      fail(`${where}.LOT_SIZE.minQty: ${e.message}`)
    )
    // maxQty need not be a multiple of the step on the venue (9000.00000000 with 0.00001 is, 92141578.23 is not).
    const maxQuantity = yield* Either.mapLeft(toUnits(lotSize.maxQty, lotIncrement, "floor"), (e) =>
      fail(`${where}.LOT_SIZE.maxQty: ${e.message}`)
    )
    const instrument = yield* Either.mapLeft(
      Schema.decodeUnknownEither(Instrument)({
        id: `${info.symbol}.${venue}`,
        venue,
        symbol: info.symbol,
        // USD-M perpetuals are futures without expiry; they trade on margin the venue sets per position.
        assetClass: exchange === "binance" ? "crypto" : "future",
        quoteCurrency: info.quoteAsset,
        baseCurrency: info.baseAsset,
        tickSize,
        lotSize: stepSize,
        multiplier: "1",
        ...(minQuantity > 0 ? { minQuantity } : {}),
        ...(maxQuantity > 0 ? { maxQuantity } : {}),
        timezone: "UTC",
        sessions: []
      }),
      (e) => formatParse(where, e)
    )
    const quoteDecimals = info.quoteAssetPrecision ?? info.quotePrecision ?? 8
    const currencies: ReadonlyArray<Currency> = [
      { code: info.baseAsset as CurrencyCode, decimals: Math.min(info.baseAssetPrecision, 18), kind: "crypto" },
      { code: info.quoteAsset as CurrencyCode, decimals: Math.min(quoteDecimals, 18), kind: "crypto" }
    ]
    return { instrument, currencies }
  })

/**
 * The configured symbols as instruments and specs. `known` currencies (static data) win over the venue's
 * precisions, so money of an instrument is in the minor units the rest of the platform uses.
 */
export const fromMarkets = (
  markets: ReadonlyMap<string, NonNullable<Market>>,
  options: {
    readonly exchange: CcxtExchange
    readonly venue: VenueId
    readonly symbols: ReadonlyArray<string>
    readonly currencies?: ReadonlyArray<Currency>
  }
): Either.Either<VenueInstruments, CcxtError> =>
  Either.gen(function* () {
    const instruments: Array<Instrument> = []
    const currencies = new Map<string, Currency>()
    const venueInstruments: Array<VenueInstrument> = []
    for (const symbol of options.symbols) {
      const market = markets.get(symbol)
      if (market === undefined)
        return yield* Either.left(fail(`symbols: ${symbol} is not a market of ${options.exchange}`))
      const { instrument, currencies: own } = yield* instrumentOf(market, options.exchange, options.venue)
      instruments.push(instrument)
      for (const c of own) if (!currencies.has(c.code)) currencies.set(c.code, c)
      venueInstruments.push({
        id: instrument.id,
        symbol,
        tick: Either.getOrThrow(Decimal.increment(instrument.tickSize)),
        lot: Either.getOrThrow(Decimal.increment(instrument.lotSize)),
        baseAsset: instrument.baseCurrency ?? "",
        quoteAsset: instrument.quoteCurrency
      })
    }
    for (const c of options.currencies ?? []) currencies.set(c.code, c)
    const specs = yield* Either.try({
      try: () => makeSpecs(instruments, [...currencies.values()]),
      catch: (e) => fail(`instruments: ${e instanceof Error ? e.message : String(e)}`)
    })
    return {
      specs,
      byId: new Map(venueInstruments.map((v) => [v.id, v] as const)),
      bySymbol: new Map(venueInstruments.map((v) => [v.symbol, v] as const))
    }
  })
