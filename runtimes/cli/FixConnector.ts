/**
 * The `fix` connector kind: the `connector-fix` plugin (FIX 4.4 on jspurefix) as the Execution Service hosts it.
 * The options are the plugin's `FixConfig` except that each password is named by the environment variable holding
 * it (`{ "env": "FIX_PASSWORD" }`), never written in the file, and the store files are relative to the
 * configuration's folder.
 *
 * Reconciliation asks the venue through the connector's `VenueState`: OrderMassStatusRequest for the open orders,
 * TradeCaptureReportRequest for the fills, no balances (FIX 4.4 has no standard message for them).
 *
 * @since 0.1.0
 */
import { mkdirSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { Effect, Schema } from "effect"
import { ConnectorError, type ConnectorKind, connectorKind } from "../../core/live/execution/Connector"
import { FromEnv, fromEnv } from "../../core/live/ServiceConfig"
import { DropCopyConfig, FixConfig } from "../../plugins/connector-fix/src/FixConfig"
import { make } from "../../plugins/connector-fix/src/FixExecution"

const FixOptions = Schema.Struct({
  ...FixConfig.fields,
  password: FromEnv,
  dropCopy: Schema.optionalWith(Schema.Struct({ ...DropCopyConfig.fields, password: FromEnv }), { exact: true })
})

const connectorError = (message: string) => new ConnectorError({ message })

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
    return { _tag: "Venue" as const, execution: connector.execution, state: connector.state }
  })
)
