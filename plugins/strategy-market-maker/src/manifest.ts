/**
 * The plugin's manifest, as data: the `"meridian"` field of package.json (`npm run manifests` writes it; a test
 * checks that the two agree). Its parameters' JSON Schema is generated from `Params`.
 *
 * @since 0.1.0
 */
import { JSONSchema } from "effect"
import { Params } from "./MarketMaker"

export const meridian = {
  id: "strategy-market-maker",
  kind: "strategy",
  coreApi: "^0.1.0",
  entry: "src/index.ts",
  params: JSONSchema.make(Params),
  capabilities: ["market-data:quotes", "orders:submit"]
} as const
