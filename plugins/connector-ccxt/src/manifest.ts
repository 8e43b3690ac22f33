/**
 * The plugin's manifest, as data: the `"meridian"` field of package.json (`npm run manifests` writes it; a test
 * checks that the two agree).
 *
 * @since 0.1.0
 */
export const meridian = {
  id: "connector-ccxt",
  kind: "connector",
  coreApi: "^0.1.0",
  entry: "src/index.ts",
  capabilities: ["market-data:trades", "market-data:book", "orders:submit", "network"]
} as const
