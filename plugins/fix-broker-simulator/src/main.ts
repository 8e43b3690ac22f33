/**
 * The broker simulator as a process:
 *
 * ```
 * node --import tsx plugins/fix-broker-simulator/src/main.ts --port 9878 [--control-port 0] [--comp-id BROKER]
 *   [--seed 1] [--commission 0.0005] [--password-env FIX_SIM_PASSWORD] [--drop-copy DROPCOPY=CLIENT]...
 *   [--static-data <dir>]
 * ```
 *
 * It prints one JSON line once both ports listen (`{"fixPort":9878,"controlPort":40123}`), logs warnings to stderr,
 * and stops on SIGTERM or SIGINT.
 *
 * @since 0.1.0
 */
import { NodeContext } from "@effect/platform-node"
import type { Instrument } from "@meridian/core/domain/Instrument"
import { makeSpecs } from "@meridian/core/domain/InstrumentSpec"
import * as StaticDataSet from "@meridian/core/staticdata/StaticDataSet"
import { Effect, Either, ParseResult, Schema } from "effect"
import { start } from "../../connector-fix/src/FixEngine"
import { noFees, notionalFractionFee } from "../../connector-sim/src/index"
import * as BrokerSimulator from "./BrokerSimulator"
import * as ControlServer from "./ControlServer"

const Options = Schema.Struct({
  port: Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 65_535)),
  "control-port": Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, 65_535)), {
    default: () => 0
  }),
  "comp-id": Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), { default: () => "BROKER" }),
  seed: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int()), { default: () => 1 }),
  commission: Schema.optionalWith(Schema.String.pipe(Schema.pattern(/^\d+(\.\d+)?$/)), { default: () => "0" }),
  "password-env": Schema.optionalWith(Schema.String, { exact: true }),
  "drop-copy": Schema.optionalWith(Schema.Array(Schema.String.pipe(Schema.pattern(/^[^=]+=[^=]+$/))), {
    default: () => []
  }),
  "static-data": Schema.optionalWith(Schema.String, { exact: true })
})

/** `--name value` pairs; `--drop-copy` may repeat. */
const parseArgs = (argv: ReadonlyArray<string>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, "") ?? ""
    const value = argv[i + 1]
    if (name === "drop-copy") out[name] = [...((out[name] as Array<string>) ?? []), value]
    else out[name] = value
  }
  return out
}

const options = Either.getOrElse(
  Either.mapLeft(Schema.decodeUnknownEither(Options)(parseArgs(process.argv.slice(2)), { errors: "all" }), (e) =>
    ParseResult.ArrayFormatter.formatErrorSync(e)
      .map((i) => `--${i.path.join(".")}: ${i.message}`)
      .join("; ")
  ),
  (message) => {
    process.stderr.write(`fix-broker-simulator: ${message}\n`)
    process.exit(2)
  }
)

/** The newest version of each instrument of the static data set. */
const latest = (versions: ReadonlyArray<Instrument & { readonly effectiveFrom: string }>): Array<Instrument> => {
  const byId = new Map<string, Instrument & { readonly effectiveFrom: string }>()
  for (const v of versions) {
    const seen = byId.get(v.id)
    if (seen === undefined || seen.effectiveFrom < v.effectiveFrom) byId.set(v.id, v)
  }
  return [...byId.values()]
}

const data = await Effect.runPromise(
  (options["static-data"] === undefined ? StaticDataSet.loadShipped : StaticDataSet.load(options["static-data"])).pipe(
    Effect.provide(NodeContext.layer)
  )
)
const password = options["password-env"] === undefined ? undefined : process.env[options["password-env"]]
const log = (level: string, message: string) => process.stderr.write(`fix-broker-simulator ${level}: ${message}\n`)
const broker = BrokerSimulator.make({
  specs: makeSpecs(latest(data.instruments), data.currencies),
  seed: options.seed,
  fees: options.commission === "0" ? noFees : notionalFractionFee(options.commission),
  ...(password === undefined ? {} : { password }),
  dropCopies: new Map(options["drop-copy"].map((pair) => pair.split("=") as [string, string])),
  log
})
const engine = start(
  {
    role: "acceptor",
    host: "127.0.0.1",
    port: options.port,
    senderCompId: options["comp-id"],
    targetCompId: "*",
    heartbeatSeconds: 30
  },
  broker.events,
  log
)
const control = await ControlServer.listen(broker, options["control-port"])
const address = control.address()
process.stdout.write(
  `${JSON.stringify({ fixPort: options.port, controlPort: typeof address === "object" && address !== null ? address.port : 0 })}\n`
)

const stop = () => {
  engine.stop()
  control.close()
  process.exit(0)
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
