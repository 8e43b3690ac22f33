/**
 * The authors allowed to publish, from a JSON file of `{ author, tokenSha256 }`: only hashes of tokens are stored,
 * and a presented token is hashed and compared in constant time. `addAuthor` writes the file; a running registry
 * reads it again at each publish, so a new author can publish at once.
 *
 * @since 0.1.0
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { readFile, rename, writeFile } from "node:fs/promises"
import { Context, Effect, Layer, Option, Schema } from "effect"
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

/**
 * Add an author with a fresh random token to an authors file (created if missing) and return the token. The file
 * keeps only the token's hash, so this is the one time the token is seen. An author already in the file, a bad name
 * or an invalid file are refused and leave the file as it was; the new file replaces the old one by a rename, so a
 * registry reading it never sees half of it.
 */
export const addAuthor = (path: string, author: string): Effect.Effect<string, RegistryError> =>
  Effect.gen(function* () {
    const entries = yield* readEntries(path, true)
    const token = randomBytes(32).toString("base64url")
    const entry = yield* Schema.decodeUnknown(NewAuthor)({ author, tokenSha256: tokenSha256(token) }).pipe(
      Effect.mapError(
        (e) => new RegistryError({ reason: "BadRequest", message: `invalid author ${author}`, issues: formatIssues(e) })
      )
    )
    if (entries.some((e) => e.author === author)) {
      return yield* new RegistryError({ reason: "Duplicate", message: `author ${author} is already in ${path}` })
    }
    const temporary = `${path}.${process.pid}.tmp`
    yield* Effect.tryPromise({
      try: async () => {
        await writeFile(temporary, `${JSON.stringify([...entries, entry], null, 2)}\n`)
        await rename(temporary, path)
      },
      catch: (e) => storageError(`cannot write authors file ${path}: ${String(e)}`)
    })
    return token
  })
