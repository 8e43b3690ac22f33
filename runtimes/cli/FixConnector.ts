/**
 * The `fix` connector kind: the `connector-fix` plugin (FIX 4.4 on jspurefix) as the Execution Service hosts it.
 * The options are the plugin's `FixConfig` except that each password is named by the environment variable holding
 * it (`{ "env": "FIX_PASSWORD" }`), never written in the file, and the store files are relative to the
 * configuration's folder.
 *
 * Reconciliation: the FIX connector does not yet ask the venue what it holds (no OrderMassStatusRequest or
 * TradeCaptureReportRequest), so every `VenueState` query fails `Unavailable` saying so; the service then reports
 * reconciliation as failed and runs on (what was in flight at a crash is not recovered from the venue).
 *
 * @since 0.1.0
 */
import { mkdirSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { Effect, Schema } from "effect"
import { ConnectorError, type ConnectorKind, connectorKind } from "../../core/live/execution/Connector"
import { type VenueState, VenueStateError } from "../../core/live/execution/VenueState"
import { FromEnv, fromEnv } from "../../core/live/ServiceConfig"
import { DropCopyConfig, FixConfig } from "../../plugins/connector-fix/src/FixConfig"
import { make } from "../../plugins/connector-fix/src/FixExecution"

const FixOptions = Schema.Struct({
  ...FixConfig.fields,
  password: FromEnv,
  dropCopy: Schema.optionalWith(Schema.Struct({ ...DropCopyConfig.fields, password: FromEnv }), { exact: true })
})

const connectorError = (message: string) => new ConnectorError({ message })

const unavailable = Effect.fail(
  new VenueStateError({
    reason: "Unavailable",
    message:
      "connector fix: the FIX connector cannot ask the venue what it holds yet (no order mass status or trade capture requests)"
  })
)

/** Every query fails `Unavailable`: a documented limitation, not an empty answer that would read as "nothing there". */
const noVenueState: VenueState = { openOrders: unavailable, fillsSince: () => unavailable, balances: unavailable }

/** `fix`: orders over a FIX 4.4 initiator session (and an optional drop copy). */
export const fix: ConnectorKind = connectorKind("fix", FixOptions, (options, { specs, baseDir }) =>
  Effect.gen(function* () {
    const password = yield* fromEnv(options.password.env, "connector.fix.password", connectorError)
    const dropCopy =
      options.dropCopy === undefined
        ? undefined
        : {
            ...options.dropCopy,
            password: yield* fromEnv(options.dropCopy.password.env, "connector.fix.dropCopy.password", connectorError),
            storeFile: resolve(baseDir, options.dropCopy.storeFile)
          }
    const { dropCopy: _, ...session } = options
    const config: FixConfig = {
      ...session,
      password,
      storeFile: resolve(baseDir, options.storeFile),
      ...(dropCopy === undefined ? {} : { dropCopy })
    }
    // The store files' folders are made as the service's journal folder is: a first start needs nothing prepared.
    yield* Effect.try({
      try: () => {
        for (const file of [config.storeFile, config.dropCopy?.storeFile]) {
          if (file !== undefined) mkdirSync(dirname(file), { recursive: true })
        }
      },
      catch: (e) => connectorError(`connector.fix.storeFile: ${e instanceof Error ? e.message : e}`)
    })
    const connector = yield* make(config, specs).pipe(
      Effect.mapError((e) => connectorError(`connector.fix: ${e.message}`))
    )
    return { _tag: "Venue" as const, execution: connector.execution, state: noVenueState }
  })
)
