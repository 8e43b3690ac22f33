/**
 * The authors allowed to publish, from a JSON file of `{ author, tokenSha256 }`: only hashes of tokens are stored,
 * and a presented token is hashed and compared in constant time.
 *
 * @since 0.1.0
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { readFile } from "node:fs/promises"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { formatIssues } from "./Manifest"
import { RegistryError } from "./RegistryError"

/** One author and the sha256 (hex) of their token. */
export const AuthorEntry = Schema.Struct({
  author: Schema.String.pipe(Schema.minLength(1)),
  tokenSha256: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/))
})
export const AuthorsFile = Schema.Array(AuthorEntry)

/** The sha256 of a token, in hex: what the authors file stores. */
export const tokenSha256 = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex")

export class Authors extends Context.Tag("@meridian/registry/Authors")<
  Authors,
  {
    /** The author a token belongs to. */
    readonly authenticate: (token: string) => Option.Option<string>
  }
>() {}

/** Authors from a list of entries. */
export const make = (entries: ReadonlyArray<typeof AuthorEntry.Type>): Authors["Type"] => {
  const hashes = entries.map((e) => ({ author: e.author, hash: Buffer.from(e.tokenSha256, "hex") }))
  return {
    authenticate: (token) => {
      const presented = Buffer.from(tokenSha256(token), "hex")
      // Compare with every entry so the time taken does not tell which one matched.
      let found: string | undefined
      for (const { author, hash } of hashes) {
        if (timingSafeEqual(hash, presented) && found === undefined) found = author
      }
      return Option.fromNullable(found)
    }
  }
}

/** Authors from a JSON file. */
export const layerFile = (path: string): Layer.Layer<Authors, RegistryError> =>
  Layer.effect(
    Authors,
    Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: (e) => new RegistryError({ reason: "Storage", message: `cannot read authors file ${path}: ${String(e)}` })
    }).pipe(
      Effect.flatMap((text) =>
        Effect.try({
          try: () => JSON.parse(text) as unknown,
          catch: (e) => new RegistryError({ reason: "Storage", message: `authors file ${path}: ${String(e)}` })
        })
      ),
      Effect.flatMap((raw) =>
        Schema.decodeUnknown(AuthorsFile)(raw, { errors: "all" }).pipe(
          Effect.mapError(
            (e) =>
              new RegistryError({ reason: "Storage", message: `invalid authors file ${path}`, issues: formatIssues(e) })
          )
        )
      ),
      Effect.map(make)
    )
  )
