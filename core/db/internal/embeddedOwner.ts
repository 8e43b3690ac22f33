/**
 * One process owns an embedded database folder; the others use it through the owner's server. PGlite takes no lock
 * on its folder, and two processes writing one folder leave it unreadable (`meridian up` projecting a session while
 * `meridian panel` or `meridian backtest` opens the same `.meridian/db`). So the first opener creates
 * `<folder>.owner` exclusively (`O_EXCL`: two openers at once cannot both win), runs PGlite and its server, writes
 * its process id and port into the file, and removes it when it closes; a later opener whose owner is alive
 * connects to that port instead of opening the folder, and one whose owner died (the file stale) takes over.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs"
import { Effect, Option, Schedule, Schema } from "effect"
import { DatabaseError } from "../DatabaseError"

const Owner = Schema.parseJson(Schema.Struct({ pid: Schema.Int, port: Schema.optional(Schema.Int) }))
const decodeOwner = Schema.decodeUnknownOption(Owner)

/** What opening the folder found: this process owns it now, or another process serves it on `port`. */
export type Ownership =
  | { readonly _tag: "Owned"; readonly announce: (port: number) => void; readonly release: () => void }
  | { readonly _tag: "Served"; readonly pid: number; readonly port: number }

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    // EPERM: alive, another user's.
    return (cause as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The owner's file as it stands: absent, stale (its process gone), starting (no port yet) or serving. */
const readOwner = (file: string) => {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch {
    return { _tag: "Absent" } as const
  }
  const owner = decodeOwner(text)
  if (Option.isNone(owner)) {
    // Claimed an instant ago (the file is written right after it is made), or by a process killed in that instant.
    const stat = statSync(file, { throwIfNoEntry: false })
    // Released between the read and now: the next attempt claims it.
    if (stat === undefined) return { _tag: "Absent" } as const
    return Date.now() - stat.mtimeMs > CLAIM_WRITE_MS ? ({ _tag: "Stale" } as const) : ({ _tag: "Starting" } as const)
  }
  const { pid, port } = owner.value
  if (!isAlive(pid)) return { _tag: "Stale" } as const
  return port === undefined ? ({ _tag: "Starting" } as const) : ({ _tag: "Serving", pid, port } as const)
}

/** Longer than any claim takes to be written once its file is made. */
const CLAIM_WRITE_MS = 5_000

class NotYet {
  readonly _tag = "NotYet"
}

const attempt = (file: string): Effect.Effect<Ownership, NotYet | DatabaseError> =>
  Effect.suspend((): Effect.Effect<Ownership, NotYet | DatabaseError> => {
    try {
      const fd = openSync(file, "wx")
      writeSync(fd, JSON.stringify({ pid: process.pid }))
      closeSync(fd)
      return Effect.succeed<Ownership>({
        _tag: "Owned",
        announce: (port) => writeFileSync(file, JSON.stringify({ pid: process.pid, port })),
        release: () => {
          try {
            unlinkSync(file)
          } catch {
            // Removed already: nothing to release.
          }
        }
      })
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== "EEXIST") {
        return Effect.fail(
          new DatabaseError({
            reason: "Embedded",
            message: `cannot claim the embedded database at ${file.slice(0, -".owner".length)}: ${String(cause)}`
          })
        )
      }
    }
    const owner = readOwner(file)
    switch (owner._tag) {
      case "Serving":
        return Effect.succeed<Ownership>({ _tag: "Served", pid: owner.pid, port: owner.port })
      case "Stale":
        try {
          unlinkSync(file)
        } catch {
          // Another opener took it over first: the next attempt sees its file.
        }
        return Effect.fail(new NotYet())
      default:
        return Effect.fail(new NotYet())
    }
  })

/** Claim the folder `dataDir`, or find the live process that serves it; waits up to `waitMs` for one starting. */
export const claim = (dataDir: string, waitMs = 30_000): Effect.Effect<Ownership, DatabaseError> =>
  attempt(`${dataDir}.owner`).pipe(
    Effect.retry({
      while: (error) => error._tag === "NotYet",
      schedule: Schedule.spaced("50 millis").pipe(Schedule.upTo(`${waitMs} millis`))
    }),
    Effect.catchTag("NotYet", () =>
      Effect.fail(
        new DatabaseError({
          reason: "Embedded",
          message: `the embedded database at ${dataDir} is being opened by another process that did not finish within ${waitMs / 1000} s (its claim: ${dataDir}.owner)`
        })
      )
    )
  )
