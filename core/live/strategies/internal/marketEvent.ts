/**
 * A market data event off the wire, decoded as `Schema.decodeUnknownEither(MarketDataEvent)` decodes it. A quote,
 * the event a strategy most often reacts to, is checked here field by field (the same rules: an `InstrumentId`, a
 * non-negative safe-integer time, safe-integer prices, non-negative safe-integer sizes; extra fields dropped), and
 * only what fails those checks, or another kind of event, goes through the schema, which names the field at fault.
 * The schema's decode was over a quarter of the Strategies Service's work from a quote's arrival to its order
 * leaving, in a CPU profile of bench/tick-to-order; warm, it takes 6.5 µs a quote, and the checks here 0.5 µs.
 */
import { Either, type ParseResult, Schema } from "effect"
import { InstrumentId } from "../../../domain/Ids"
import { MarketDataEvent, type Quote } from "../../../domain/MarketData"

const decodeSchema = Schema.decodeUnknownEither(MarketDataEvent)
const isInstrumentId = Schema.is(InstrumentId)

const safe = (n: unknown): n is number => Number.isSafeInteger(n)

export const decodeMarketEvent = (value: unknown): Either.Either<MarketDataEvent, ParseResult.ParseError> => {
  if (typeof value === "object" && value !== null && (value as { readonly _tag?: unknown })._tag === "Quote") {
    const { instrumentId, ts, bidPrice, bidSize, askPrice, askSize } = value as Record<string, unknown>
    if (
      isInstrumentId(instrumentId) &&
      safe(ts) &&
      ts >= 0 &&
      safe(bidPrice) &&
      safe(bidSize) &&
      bidSize >= 0 &&
      safe(askPrice) &&
      safe(askSize) &&
      askSize >= 0
    ) {
      return Either.right({ _tag: "Quote", instrumentId, ts, bidPrice, bidSize, askPrice, askSize } as Quote)
    }
  }
  return decodeSchema(value)
}
