/**
 * The end of a `meridian sweep`: once its scope is closed the process has nothing left to do, but a handle that a
 * library leaves open (a socket of the cluster's RPC or a PostgreSQL pool's connection that a finalizer gave up on
 * after its timeout) would keep the event loop, and the process, alive after the results are printed. A CI step
 * that waits for the sweep then hangs until its own timeout. So the sweep arms an unreferenced timer: a process
 * that exits normally never sees it fire; one still alive after `grace` says on stderr what keeps it and exits.
 *
 * @since 0.1.0
 */
import { Duration, Effect } from "effect"

/** What keeps the event loop alive: the sockets with a peer (which server), and every resource by kind. */
export const activeHandles = (): string => {
  const handles = (process as unknown as { _getActiveHandles: () => ReadonlyArray<unknown> })._getActiveHandles()
  const peers = handles.flatMap((h) => {
    const socket = h as { remoteAddress?: string; remotePort?: number; localPort?: number }
    return socket.remotePort === undefined
      ? []
      : [`socket to ${socket.remoteAddress}:${socket.remotePort} (local port ${socket.localPort})`]
  })
  return [...peers, ...process.getActiveResourcesInfo()].join(", ")
}

/**
 * Exit the process `grace` after `effect` ends, unless it has exited by itself by then (the timer is unreferenced:
 * it never keeps the process alive). The exit code is the one the command line set, else 0.
 *
 * @since 0.1.0
 */
export const exitAfter =
  (grace: Duration.DurationInput) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.ensuring(
      effect,
      Effect.sync(() => {
        setTimeout(() => {
          process.stderr.write(
            `meridian: the sweep is done but the process did not exit; leaving anyway (still open: ${activeHandles()})\n`
          )
          process.exit(process.exitCode ?? 0)
        }, Duration.toMillis(grace)).unref()
      })
    )
