/**
 * The `ccxt` connector kind: the `connector-ccxt` plugin (Binance spot and USD-M futures through ccxt) as the
 * Execution Service hosts it, with its reconciliation queries (`CcxtVenueState`). The options are the plugin's
 * `CcxtConfig` except that the API key and secret are named by the environment variables holding them
 * (`{ "env": "BINANCE_API_KEY" }`), never written in the file.
 *
 * @since 0.1.0
 */
import { NodeSocket } from "@effect/platform-node"
import { Effect, Schema } from "effect"
import { ConnectorError, type ConnectorKind, connectorKind } from "../../core/live/execution/Connector"
import { FromEnv, fromEnv } from "../../core/live/ServiceConfig"
import { CcxtConfig } from "../../plugins/connector-ccxt/src/CcxtConfig"
import { make } from "../../plugins/connector-ccxt/src/CcxtConnector"

const CcxtOptions = Schema.Struct({ ...CcxtConfig.fields, apiKey: FromEnv, secret: FromEnv })

const connectorError = (message: string) => new ConnectorError({ message })

/** `ccxt`: orders, order and fill updates and reconciliation on a ccxt venue. */
export const ccxt: ConnectorKind = connectorKind("ccxt", CcxtOptions, (options, { specs }) =>
  Effect.gen(function* () {
    const config: CcxtConfig = {
      ...options,
      apiKey: yield* fromEnv(options.apiKey.env, "connector.ccxt.apiKey", connectorError),
      secret: yield* fromEnv(options.secret.env, "connector.ccxt.secret", connectorError)
    }
    // Static data's currencies, as the rest of the platform values money with them.
    const connector = yield* make(config, { currencies: [...specs.currencies.values()] }).pipe(
      Effect.mapError((e) => connectorError(`connector.ccxt: ${e.message}`)),
      Effect.provide(NodeSocket.layerWebSocketConstructor)
    )
    return { _tag: "Venue" as const, execution: connector.execution, state: connector.state }
  })
)
