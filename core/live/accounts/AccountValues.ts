/**
 * The `AccountValues` request of the Accounts Service: each account's net asset value (the engine's equity: cash
 * plus positions at their last marks, in minor units of the base currency) and its cash per currency, free cash
 * included, at the service's time. The Client Portal samples it for its NAV history and checks a withdrawal
 * request against the free cash it reports.
 *
 * Like `Watermark`, it is answered at once and not journaled: it reads the state after every input applied so far,
 * which may include one whose group commit is still in flight (milliseconds). It is a sample for reporting, not a
 * statement of record; a withdrawal is checked again by the engine when it is applied.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, CurrencyCode } from "../../domain/Ids"
import type { AccountsShard, ShardOptions } from "./AccountsShard"

/**
 * Ask for some accounts (`accountIds`), or every account of the service.
 *
 * @since 0.1.0
 * @category models
 */
export const AccountValuesRequest = Schema.TaggedStruct("AccountValues", {
  accountIds: Schema.optionalWith(Schema.Array(AccountId).pipe(Schema.maxItems(1000)), { exact: true })
})
export type AccountValuesRequest = typeof AccountValuesRequest.Type

const Cash = Schema.Struct({
  currency: CurrencyCode,
  total: Schema.Number,
  reserved: Schema.Number,
  /** What a withdrawal may take now: total − reserved. */
  free: Schema.Number
})

/**
 * One account's value at the service's time `ts` (µs).
 *
 * @since 0.1.0
 * @category models
 */
export const AccountValue = Schema.Struct({
  accountId: AccountId,
  name: Schema.String,
  baseCurrency: CurrencyCode,
  nav: Schema.Number,
  cash: Schema.Array(Cash),
  ts: Schema.Number
})
export type AccountValue = typeof AccountValue.Type

/**
 * The answer: the accounts asked for that the service holds (an unknown id is left out), and the minor digits of
 * every currency it knows, to render the amounts.
 *
 * @since 0.1.0
 * @category models
 */
export const AccountValues = Schema.Struct({
  accounts: Schema.Array(AccountValue),
  decimals: Schema.Record({ key: Schema.String, value: Schema.Number })
})
export type AccountValues = typeof AccountValues.Type

/**
 * Whether a request's body asks for account values.
 *
 * @since 0.1.0
 */
export const isAccountValuesRequest = (body: unknown): body is AccountValuesRequest =>
  Schema.is(AccountValuesRequest)(body)

/**
 * The values of the accounts `request` names, read from each shard's engine.
 *
 * @since 0.1.0
 */
export const accountValues = (
  request: AccountValuesRequest,
  shards: ReadonlyArray<AccountsShard>,
  options: ReadonlyArray<ShardOptions>
): AccountValues => {
  const wanted = request.accountIds === undefined ? undefined : new Set<string>(request.accountIds)
  const accounts: Array<AccountValue> = []
  const decimals: Record<string, number> = {}
  options.forEach((shardOptions, i) => {
    const shard = shards[i]!
    for (const currency of shardOptions.currencies) decimals[currency.code] = currency.decimals
    for (const account of shardOptions.accounts) {
      if (wanted !== undefined && !wanted.has(account.id)) continue
      const portfolio = shard.state.portfolio(account.id)
      accounts.push({
        accountId: account.id,
        name: account.name,
        baseCurrency: account.baseCurrency,
        nav: portfolio.equity(),
        cash: portfolio.balances(shard.time).map((b) => ({
          currency: b.currency,
          total: b.total,
          reserved: b.reserved,
          free: b.total - b.reserved
        })),
        ts: shard.time
      })
    }
  })
  return { accounts, decimals }
}
