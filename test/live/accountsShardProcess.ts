/**
 * The process the Accounts crash test kills: it recovers a shard from the journal folder it is given, then sends
 * orders from three interleaved clients, client order ids `c<from>`, `c<from+1>`, ... (the first ones may be
 * resends of orders sent before the last crash), and prints `<client order id> <order id>` for each outcome it
 * receives, on stdout (a pipe: written synchronously).
 */
import { Effect } from "effect"
import type { ClientOrderId, CurrencyCode } from "../../core/domain/Ids"
import type { Lots, Minor, Ticks, Timestamp } from "../../core/domain/Units"
import { AccountsShard } from "../../core/live/accounts/AccountsShard"
import { AAPL } from "../fixtures/instruments"
import { CRASH_ACCOUNT, crashShardOptions } from "./crashShard"

const [dir, fromArg] = process.argv.slice(2)
let clock = Date.now() * 1000
const program = Effect.gen(function* () {
  const shard = yield* AccountsShard.open(crashShardOptions(dir!, () => ++clock))
  const ts = 0 as Timestamp
  if (shard.recovered.lastSeq === 0) {
    shard.handle({
      _tag: "Deposit",
      accountId: CRASH_ACCOUNT,
      currency: "USD" as CurrencyCode,
      amount: 1_000_000_000 as Minor,
      reference: "start",
      ts
    })
    shard.handle({ _tag: "Mark", instrumentId: AAPL.id, price: 15_000 as Ticks, ts })
  }
  let next = Number(fromArg)
  const send = () => {
    for (let client = 0; client < 3; client++) {
      const clientOrderId = `c${next++}` as ClientOrderId
      shard.handle(
        {
          _tag: "SubmitOrder",
          ts,
          request: {
            accountId: CRASH_ACCOUNT,
            strategyId: `client-${client}` as never,
            clientOrderId,
            instrumentId: AAPL.id,
            side: next % 2 === 0 ? "buy" : "sell",
            type: "limit",
            quantity: 1 as Lots,
            limitPrice: (14_000 + (next % 100)) as Ticks,
            timeInForce: "GTC",
            reduceOnly: false,
            postOnly: false
          }
        },
        (outcome) =>
          process.stdout.write(`${clientOrderId} ${outcome._tag === "Accepted" ? outcome.orderIds[0] : "refused"}\n`)
      )
    }
    setTimeout(send, 0)
  }
  send()
  yield* Effect.never
})
Effect.runPromise(Effect.scoped(program)).catch((error) => {
  process.stderr.write(`${error}\n`)
  process.exit(1)
})
