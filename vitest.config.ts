import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["{core,plugins,runtimes,registry,site,test}/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    globalSetup: ["test/buildCli.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep one for the processes the tests start.
    maxWorkers: 2,
    minWorkers: 1
  }
})
