/**
 * The headless browser of the browser tests: Debian's Chromium (`apt-get install chromium`), driven by
 * playwright-core through its `executablePath`; no browser is downloaded. `MERIDIAN_CHROMIUM` names another binary.
 */
import { existsSync } from "node:fs"
import { Config, Effect, Option } from "effect"

/** The Chromium binary, or why there is none. */
export const chromiumPath = (): { readonly path: string } | { readonly why: string } => {
  const named = Effect.runSync(Config.option(Config.string("MERIDIAN_CHROMIUM")).pipe(Effect.orDie))
  const candidates = Option.isSome(named)
    ? [named.value]
    : ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"]
  const found = candidates.find((path) => existsSync(path))
  return found === undefined
    ? { why: `no Chromium at ${candidates.join(", ")} (apt-get install chromium, or set MERIDIAN_CHROMIUM)` }
    : { path: found }
}

/** Whether the browser suites must run (CI sets `MERIDIAN_TEST_BROWSER_REQUIRED=1`): then they fail instead. */
export const browserRequired = (): boolean =>
  Effect.runSync(Config.boolean("MERIDIAN_TEST_BROWSER_REQUIRED").pipe(Config.withDefault(false), Effect.orDie))
