/**
 * The plugin's manifest, as data: the `"meridian"` field of package.json (the registry test checks that the two
 * agree). Its parameters' JSON Schema is generated from `Params`.
 *
 * @since 0.1.0
 */
import { JSONSchema } from "effect"
import { Params } from "./Iceberg"

export const meridian = {
  id: "algo-iceberg",
  kind: "algo",
  coreApi: "^0.1.0",
  entry: "src/index.ts",
  params: JSONSchema.make(Params),
  capabilities: ["orders:submit"]
} as const
