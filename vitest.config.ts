import { defineConfig } from "vitest/config"
import SlowestFirst from "./test/support/slowestFirst"

export default defineConfig({
  test: {
    include: ["{core,plugins,runtimes,registry,site,test}/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    globalSetup: ["test/buildCli.ts", "test/postgresCluster.ts"],
    setupFiles: ["test/support/effectVitestMethods.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep one for the processes the tests start.
    maxWorkers: 2,
    // A worker keeps the modules it loaded for its next file: loading effect and the core afresh for each of ~150
    // files was a fifth of the suite's CPU (collect 54 s -> 10 s for the core's unit tests). No test changes
    // process-wide state (environment, working directory, module mocks); each starts its own servers and folders. The one
    // shared state found, @effect/vitest's methods on vitest's `it`, is reset before each file (setupFiles).
    isolate: false,
    minWorkers: 1,
    sequence: { sequencer: SlowestFirst }
  }
})
