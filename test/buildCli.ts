/**
 * Vitest's global setup: the tests that start a `meridian` process run the bundle, so build it from the sources
 * under test first (about two seconds) rather than trust a bundle left by an earlier install.
 */
// @ts-expect-error: the build script is plain JavaScript without declarations.
import { build } from "../runtimes/node/build.mjs"

export default async function setup(): Promise<void> {
  await build()
}
