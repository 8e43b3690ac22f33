/**
 * Vitest's global setup: one private PostgreSQL cluster for the whole run, named to the test files by
 * `MERIDIAN_TEST_PG_URL` (which the workers inherit), when that is unset and the server's binaries are here. Each
 * real-server suite still gets an empty database of its own on it (`scratchDatabase`, named after the suite and the
 * worker's pid), as on a shared server; started per file, the cluster's copy, start and stop cost each of a dozen
 * files 1.5-2 s of wall time on a loaded machine.
 */
import { Effect, Exit, Scope } from "effect"
import { startLocalCluster } from "./support/db/localCluster"
import { serverSource } from "./support/db/testServer"

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const source = serverSource()
  if (source._tag !== "Local") return undefined
  const scope = Effect.runSync(Scope.make())
  // A cluster that cannot start here is left to each suite to start again, and fail as it did on its own.
  const url = await Effect.runPromise(Scope.extend(startLocalCluster(source.bin), scope)).catch(() => undefined)
  if (url === undefined) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    return undefined
  }
  process.env.MERIDIAN_TEST_PG_URL = url
  return async () => {
    delete process.env.MERIDIAN_TEST_PG_URL
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
