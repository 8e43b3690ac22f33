/**
 * Reading plugin tarballs that come from elsewhere: every entry must stay inside `package/` (no absolute path,
 * no `..`, no link pointing out, no devices), and the package.json is read without extracting anything.
 * Extraction happens only after that check.
 *
 * @since 0.1.0
 */
import { mkdir, rename, rm } from "node:fs/promises"
import { posix } from "node:path"
import { Effect, Schema } from "effect"
import { Parser, type ReadEntry, extract as tarExtract } from "tar"

export class TarballError extends Schema.TaggedError<TarballError>()("TarballError", {
  reason: Schema.Literal("Malformed", "UnsafePath", "NoPackageJson", "Write"),
  message: Schema.String
}) {}

/** What a safe tarball holds. */
export interface Inspected {
  /** Entry paths, relative to `package/`. */
  readonly files: ReadonlyArray<string>
  /** The parsed `package/package.json`. */
  readonly packageJson: unknown
}

const root = "package"

/** Why an entry escapes the package folder, if it does. */
const escapes = (entry: ReadEntry): string | undefined => {
  const path = entry.path
  const inside = (p: string) => p === root || p.startsWith(`${root}/`)
  if (/^([/\\]|[a-zA-Z]:)/.test(path)) return `absolute path ${path}`
  if (path.split(/[/\\]/).includes("..")) return `path with "..": ${path}`
  if (!inside(posix.normalize(path))) return `path outside ${root}/: ${path}`
  switch (entry.type) {
    case "File":
    case "OldFile":
    case "ContiguousFile":
    case "Directory":
      return undefined
    case "SymbolicLink":
    case "Link": {
      const target = entry.linkpath ?? ""
      if (/^([/\\]|[a-zA-Z]:)/.test(target)) return `link ${path} to absolute path ${target}`
      // A symbolic link is relative to its folder; a hard link names an entry of the archive.
      const resolved = posix.normalize(entry.type === "Link" ? target : posix.join(posix.dirname(path), target))
      return inside(resolved) ? undefined : `link ${path} points outside the package: ${target}`
    }
    default:
      return `entry ${path} of type ${entry.type}`
  }
}

/** Checks every entry of a gzipped tarball and reads its package.json. */
export const inspect = (bytes: Uint8Array): Effect.Effect<Inspected, TarballError> =>
  Effect.async<Inspected, TarballError>((resume) => {
    const files: Array<string> = []
    const chunks: Array<Buffer> = []
    let failed = false
    const fail = (error: TarballError) => {
      if (failed) return
      failed = true
      resume(Effect.fail(error))
    }
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        const unsafe = escapes(entry)
        if (unsafe !== undefined) {
          fail(new TarballError({ reason: "UnsafePath", message: unsafe }))
          entry.resume()
          return
        }
        const relative = posix.normalize(entry.path).slice(root.length + 1)
        if (entry.type !== "Directory" && relative !== "") files.push(relative)
        if (relative === "package.json") entry.on("data", (chunk: Buffer) => chunks.push(chunk))
        else entry.resume()
      }
    })
    parser.on("error", (e: Error) => fail(new TarballError({ reason: "Malformed", message: e.message })))
    parser.on("end", () => {
      if (failed) return
      if (chunks.length === 0)
        return fail(new TarballError({ reason: "NoPackageJson", message: "no package/package.json" }))
      try {
        const packageJson: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"))
        failed = true
        resume(Effect.succeed({ files, packageJson }))
      } catch (e) {
        fail(
          new TarballError({
            reason: "Malformed",
            message: `package.json: ${e instanceof Error ? e.message : String(e)}`
          })
        )
      }
    })
    parser.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  })

/**
 * Checks a tarball, then extracts its `package/` folder into `dest` (replacing what was there): first into a
 * staging folder beside it, then renamed into place, so a failed extraction leaves `dest` as it was.
 */
export const extract = (bytes: Uint8Array, dest: string): Effect.Effect<Inspected, TarballError> =>
  Effect.gen(function* () {
    const inspected = yield* inspect(bytes)
    const staging = `${dest}.partial`
    yield* Effect.tryPromise({
      try: async () => {
        await rm(staging, { recursive: true, force: true })
        await mkdir(staging, { recursive: true })
        await new Promise<void>((done, failed) => {
          const unpack = tarExtract({ cwd: staging, strip: 1, strict: true })
          unpack.on("error", failed)
          unpack.on("close", () => done())
          unpack.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
        })
        await rm(dest, { recursive: true, force: true })
        await rename(staging, dest)
      },
      catch: (e) =>
        new TarballError({
          reason: "Write",
          message: `cannot extract into ${dest}: ${e instanceof Error ? e.message : String(e)}`
        })
    })
    return inspected
  })
