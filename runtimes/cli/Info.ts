/**
 * What `meridian info` prints: the version and the runtime. Text only, no Effect: `bin/meridian.mjs` prints it
 * without loading the command line's bundle, and the `info` command of the bundle prints the same line.
 *
 * @since 0.1.0
 */
import packageJson from "../../package.json" with { type: "json" }

export const infoLine = (): string => {
  const bun = (globalThis as { Bun?: { version: string } }).Bun
  return `meridian ${packageJson.version} on ${bun === undefined ? `node ${process.versions.node}` : `bun ${bun.version}`}`
}
