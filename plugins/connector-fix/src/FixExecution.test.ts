import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSpecs } from "@meridian/core/domain/InstrumentSpec"
import { Effect, Redacted } from "effect"
import { afterAll } from "vitest"
import { executionContract } from "../../../test/contracts/ExecutionContract"
import { venueStateContract } from "../../../test/contracts/VenueStateContract"
import { AAPL, currencies } from "../../../test/fixtures/instruments"
import { type BrokerProcess, cents, startBroker } from "../test/brokerProcess"
import * as FixExecution from "./FixExecution"

const dir = mkdtempSync(join(tmpdir(), "meridian-fix-contract-"))
/** One simulator process for the suite; each test logs on as a client of its own. */
let broker: Promise<BrokerProcess> | undefined
let clients = 0
afterAll(async () => {
  await (await broker)?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** A connector logged on as a new client of the one simulator process. */
const connector = Effect.gen(function* () {
  broker ??= startBroker(["--password-env", "FIX_SIM_PASSWORD"], { FIX_SIM_PASSWORD: "contract-secret" })
  const sim = yield* Effect.promise(() => broker!)
  const client = `CONTRACT${++clients}`
  const fix = yield* FixExecution.make(
    {
      host: "127.0.0.1",
      port: sim.fixPort,
      senderCompId: client,
      targetCompId: "BROKER",
      password: Redacted.make("contract-secret"),
      heartbeatSeconds: 30,
      storeFile: join(dir, `${client}.jsonl`)
    },
    makeSpecs([AAPL], currencies)
  ).pipe(Effect.orDie)
  return {
    execution: fix.execution,
    state: fix.state,
    market: (ts: number, bid: number, ask: number) =>
      Effect.promise(() => sim.quote("AAPL.XNAS", ts, cents(bid), cents(ask)))
  }
})

const name = "FIX 4.4 connector against the broker simulator (a separate process, over loopback)"
executionContract(name, connector)
// Reconciliation on start: OrderMassStatusRequest and TradeCaptureReportRequest answered by the same simulator.
venueStateContract(name, connector)
