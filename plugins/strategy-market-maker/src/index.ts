export { marketMaker as default, marketMaker, Params } from "./MarketMaker"
export { type QuoteRules, type QuoteTarget, quotePrices } from "./QuotePrices"
export { QuoteSlot, type QuoteState, WorkingQuotes } from "./WorkingQuotes"
