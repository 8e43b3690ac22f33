/**
 * The plugin's manifest, as data: the `"meridian"` field of package.json (`npm run manifests` writes it; a test
 * checks that the two agree).
 *
 * @since 0.1.0
 */
export const meridian = {
  id: "fix-broker-simulator",
  kind: "connector",
  coreApi: "^0.1.0",
  entry: "src/index.ts",
  capabilities: ["orders:submit", "network"]
} as const
