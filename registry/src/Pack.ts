/**
 * Packing a plugin folder into a gzipped tarball, as `npm pack` lays it out (every file under `package/`), and its
 * sha512 integrity in npm's Subresource Integrity form. Deterministic: files in path order, portable headers (no
 * owner, no host) and one fixed mtime, so packing the same folder twice gives the same bytes.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { readdir } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { create } from "tar"

export class PackError extends Schema.TaggedError<PackError>()("PackError", {
  reason: Schema.Literal("Read", "Write"),
  message: Schema.String
}) {}

/** `sha512-<base64>`, the integrity string npm writes in lockfiles. */
export const Integrity = Schema.String.pipe(
  Schema.filter(
    (s) => /^sha512-[A-Za-z0-9+/]{86}==$/.test(s) || `expected sha512-<base64 of 64 bytes>, got ${JSON.stringify(s)}`
  ),
  Schema.brand("Integrity")
)
export type Integrity = typeof Integrity.Type

/** The sha512 integrity of some bytes. */
export const integrity = (bytes: Uint8Array): Integrity =>
  `sha512-${createHash("sha512").update(bytes).digest("base64")}` as Integrity

/** Folders never packed. */
const skipped = new Set(["node_modules", ".git"])

const listFiles = async (root: string, dir = ""): Promise<Array<string>> => {
  const entries = await readdir(join(root, dir), { withFileTypes: true })
  const files: Array<string> = []
  for (const entry of entries) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`
    if (entry.isDirectory()) {
      if (!skipped.has(entry.name)) files.push(...(await listFiles(root, path)))
    } else if (entry.isFile()) {
      files.push(path)
    }
  }
  return files
}

/** A packed plugin: the tarball's bytes, its integrity and the files in it (relative to the package). */
export interface Packed {
  readonly bytes: Uint8Array
  readonly integrity: Integrity
  readonly files: ReadonlyArray<string>
}

/** Packs the plugin folder `dir` (without `node_modules` and `.git`). */
export const pack = (dir: string): Effect.Effect<Packed, PackError> =>
  Effect.tryPromise({
    try: async () => {
      const files = (await listFiles(dir)).sort()
      const stream = create({ cwd: dir, gzip: true, portable: true, mtime: new Date(0), prefix: "package" }, files)
      const bytes = new Uint8Array(await stream.concat())
      return { bytes, integrity: integrity(bytes), files }
    },
    catch: (e) =>
      new PackError({ reason: "Read", message: `cannot pack ${dir}: ${e instanceof Error ? e.message : String(e)}` })
  })
