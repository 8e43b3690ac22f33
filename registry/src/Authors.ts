/**
 * The authors allowed to publish, from a JSON file of `{ author, tokenSha256 }`: only hashes of tokens are stored,
 * and a presented token is hashed and compared in constant time. `addAuthor` writes the file; a running registry
 * reads it again at each publish, so a new author can publish at once.
 *
 * @since 0.1.0
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { open, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { Context, Effect, Layer, Option, Schedule, Schema } from "effect"
import { formatIssues } from "./Manifest"
import { RegistryError } from "./RegistryError"

/** One author and the sha256 (hex) of their token. */
export const AuthorEntry = Schema.Struct({
  author: Schema.String.pipe(Schema.minLength(1)),
  tokenSha256: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/))
})

/** A new author's name: shell- and URL-safe (names in older files may be any non-empty text). */
const NewAuthor = Schema.Struct({
  author: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
      message: () => "an author name is letters, digits, '.', '_' or '-', starting with a letter or digit"
    })
  ),
  tokenSha256: AuthorEntry.fields.tokenSha256
})
export type AuthorEntry = typeof AuthorEntry.Type
export const AuthorsFile = Schema.Array(AuthorEntry)

/** The sha256 of a token, in hex: what the authors file stores. */
export const tokenSha256 = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex")

export class Authors extends Context.Tag("@meridian/registry/Authors")<
  Authors,
  {
    /** The author a token belongs to. */
    readonly authenticate: (token: string) => Effect.Effect<Option.Option<string>, RegistryError>
  }
>() {}

/** The author whose token is `token`, comparing with every entry so the time taken does not tell which matched. */
const authorOf = (entries: ReadonlyArray<AuthorEntry>, token: string): Option.Option<string> => {
  const presented = Buffer.from(tokenSha256(token), "hex")
  let found: string | undefined
  for (const { author, tokenSha256: hash } of entries) {
    if (timingSafeEqual(Buffer.from(hash, "hex"), presented) && found === undefined) found = author
  }
  return Option.fromNullable(found)
}

/** Authors from a list of entries. */
export const make = (entries: ReadonlyArray<AuthorEntry>): Authors["Type"] => ({
  authenticate: (token) => Effect.succeed(authorOf(entries, token))
})

const storageError = (message: string) => new RegistryError({ reason: "Storage", message })

/** The entries of an authors file; a missing file has none when `missingIsEmpty`. */
const readEntries = (path: string, missingIsEmpty = false): Effect.Effect<ReadonlyArray<AuthorEntry>, RegistryError> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (e) => e
  }).pipe(
    Effect.catchAll((e) =>
      missingIsEmpty && (e as NodeJS.ErrnoException).code === "ENOENT"
        ? Effect.succeed("[]")
        : Effect.fail(storageError(`cannot read authors file ${path}: ${String(e)}`))
    ),
    Effect.flatMap((text) =>
      Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (e) => storageError(`authors file ${path}: ${String(e)}`)
      })
    ),
    Effect.flatMap((raw) =>
      Schema.decodeUnknown(AuthorsFile)(raw, { errors: "all" }).pipe(
        Effect.mapError(
          (e) =>
            new RegistryError({ reason: "Storage", message: `invalid authors file ${path}`, issues: formatIssues(e) })
        )
      )
    )
  )

/**
 * Authors from a JSON file: read when the layer starts (a missing or invalid file fails it) and again at every
 * authentication, so that authors added while the registry runs can publish at once.
 */
export const layerFile = (path: string): Layer.Layer<Authors, RegistryError> =>
  Layer.effect(
    Authors,
    readEntries(path).pipe(
      Effect.as({
        authenticate: (token: string) => readEntries(path).pipe(Effect.map((entries) => authorOf(entries, token)))
      })
    )
  )

/** Serializes additions within this process; `withFileLock` serializes them across processes. */
const adding = Effect.unsafeMakeSemaphore(1)

/** How long `addAuthor` waits for another process's lock on the file before giving up. */
const LOCK_ATTEMPTS = 100
const LOCK_PAUSE = "20 millis"

/**
 * Runs `effect` holding `<path>.lock`, created exclusively: another process adding an author waits its turn. A lock
 * left by a process that died is reported, to be removed by hand.
 */
const withFileLock = <A>(path: string, effect: Effect.Effect<A, RegistryError>): Effect.Effect<A, RegistryError> => {
  const lock = `${path}.lock`
  const acquire = Effect.tryPromise({
    try: () => open(lock, "wx").then((handle) => handle.close()),
    catch: (e) => e
  }).pipe(
    Effect.retry({
      while: (e) => (e as NodeJS.ErrnoException).code === "EEXIST",
      times: LOCK_ATTEMPTS,
      schedule: Schedule.spaced(LOCK_PAUSE)
    }),
    Effect.mapError((e) =>
      (e as NodeJS.ErrnoException).code === "EEXIST"
        ? storageError(`${lock} is held by another process adding an author (remove it if none is running)`)
        : storageError(`cannot lock ${path}: ${String(e)}`)
    )
  )
  const release = Effect.promise(() => rm(lock, { force: true }))
  return Effect.acquireUseRelease(
    acquire,
    () => effect,
    () => release
  )
}

/**
 * Add an author with a fresh random token to an authors file (created if missing) and return the token. The file
 * keeps only the token's hash, so this is the one time the token is seen. An author already in the file, a bad name
 * or an invalid file are refused and leave the file as it was. Additions are serialized (within the process and,
 * through a lock file, across processes) and the file is read again under the lock, so none is lost; the new file
 * (with the old one's permissions) replaces the old one by a rename, so a registry reading it never sees half of it.
 */
export const addAuthor = (path: string, author: string): Effect.Effect<string, RegistryError> =>
  Effect.gen(function* () {
    const token = randomBytes(32).toString("base64url")
    const entry = yield* Schema.decodeUnknown(NewAuthor)({ author, tokenSha256: tokenSha256(token) }).pipe(
      Effect.mapError(
        (e) => new RegistryError({ reason: "BadRequest", message: `invalid author ${author}`, issues: formatIssues(e) })
      )
    )
    const entries = yield* readEntries(path, true)
    if (entries.some((e) => e.author === author)) {
      return yield* new RegistryError({ reason: "Duplicate", message: `author ${author} is already in ${path}` })
    }
    const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`
    yield* Effect.tryPromise({
      try: async () => {
        const mode = await stat(path).then(
          (s) => s.mode & 0o777,
          () => 0o644
        )
        try {
          await writeFile(temporary, `${JSON.stringify([...entries, entry], null, 2)}\n`, { mode })
          await rename(temporary, path)
        } catch (e) {
          await rm(temporary, { force: true })
          throw e
        }
      },
      catch: (e) => storageError(`cannot write authors file ${path}: ${String(e)}`)
    })
    return token
  }).pipe((effect) => adding.withPermits(1)(withFileLock(path, effect)))
