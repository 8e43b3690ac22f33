/** The shared Execution contract, for the ccxt connector on Binance spot and USD-M futures (the fake venue). */

import * as Decimal from "@meridian/core/domain/Decimal"
import { Effect, Either } from "effect"
import { executionContract } from "../../../test/contracts/ExecutionContract"
import * as FakeBinance from "./FakeBinance"
import { configFor, connect, contractListing, until } from "./harness"

const cent = Either.getOrThrow(Decimal.increment("0.01"))

for (const kind of ["spot", "usdm"] as const) {
  executionContract(
    `ccxt ${kind === "spot" ? "Binance spot" : "Binance USD-M futures"} (fake venue on loopback)`,
    Effect.gen(function* () {
      const fake = yield* FakeBinance.make(kind, { listings: [contractListing(kind)] })
      const connector = yield* connect(configFor(fake, { venue: "XNAS" as never, symbols: ["AAPL"] }))
      yield* until("the user data stream", () => fake.connections("user") > 0)
      return {
        execution: connector.execution,
        market: (_ts: number, bid: number, ask: number) =>
          fake.setMarket("AAPL", Decimal.fromUnits(bid, cent), Decimal.fromUnits(ask, cent))
      }
    })
  )
}
