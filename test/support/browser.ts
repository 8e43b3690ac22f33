/**
 * The headless browser of the browser tests: Debian's Chromium (`apt-get install chromium`), driven by
 * playwright-core through its `executablePath`; no browser is downloaded. `MERIDIAN_CHROMIUM` names another binary.
 */
import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { Config, Effect, Option } from "effect"
import { type Browser, chromium, type Page } from "playwright-core"

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

/**
 * Chromium at `executablePath`, started while `setUp` runs: a suite's set-up does not need the browser, and the two
 * one after the other cost the browser's start-up in wall time. Both are settled before a failure is thrown, and
 * a browser started for a set-up that failed is closed.
 */
export const launchWhile = async (executablePath: string, setUp: () => Promise<unknown>): Promise<Browser> => {
  const [launched, done] = await Promise.allSettled([
    chromium.launch({ executablePath, args: ["--no-sandbox"], timeout: 60_000 }),
    setUp()
  ])
  if (done.status === "rejected") {
    if (launched.status === "fulfilled") await launched.value.close()
    throw done.reason
  }
  if (launched.status === "rejected") throw launched.reason
  return launched.value
}

/** Whether the browser suites must run (CI sets `MERIDIAN_TEST_BROWSER_REQUIRED=1`): then they fail instead. */
export const browserRequired = (): boolean =>
  Effect.runSync(Config.boolean("MERIDIAN_TEST_BROWSER_REQUIRED").pipe(Config.withDefault(false), Effect.orDie))

/**
 * Pixels of the `#chart` canvases that are neither transparent nor the white background: a drawn chart has thousands.
 * Browser code as text: the project's types have no DOM.
 */
export const drawnPixels = (page: Page): Promise<number> =>
  page.evaluate(`(() => {
    let drawn = 0
    for (const canvas of document.querySelectorAll("#chart canvas")) {
      if (canvas.width === 0 || canvas.height === 0) continue
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data
      for (let i = 0; i < data.length; i += 4) {
        const white = data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245
        if (data[i + 3] > 0 && !white) drawn++
      }
    }
    return drawn
  })()`)

/**
 * Where a browser suite keeps its screenshots, made if missing: `test-artifacts/screenshots/<suite>` in the checkout
 * (ignored by git, kept after the run for a person or CI to collect), or under `MERIDIAN_TEST_ARTIFACTS`.
 */
export const screenshotsDir = (suite: string): string => {
  const root = Effect.runSync(
    Config.string("MERIDIAN_TEST_ARTIFACTS").pipe(
      Config.withDefault(join(import.meta.dirname, "..", "..", "test-artifacts")),
      Effect.orDie
    )
  )
  const dir = join(root, "screenshots", suite)
  mkdirSync(dir, { recursive: true })
  return dir
}
