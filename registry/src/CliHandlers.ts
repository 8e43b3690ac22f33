/**
 * What the `plugin` commands run, loaded only when one of them runs (the registry's server, tar and the HTTP
 * client come with it).
 *
 * @since 0.1.0
 */
import { readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Console, Effect, Redacted } from "effect"
import { addAuthor } from "./Authors"
import * as Client from "./Client"
import { install as installPlugin } from "./Install"
import { decodePackageJson } from "./Manifest"
import { pack as packDir } from "./Pack"
import { RegistryError } from "./RegistryError"
import { serve as serveRegistry } from "./Server"
import { inspect } from "./Tarball"

const fileError = (e: unknown) =>
  new RegistryError({ reason: "Storage", message: e instanceof Error ? e.message : String(e) })

export const pack = ({ dir, out }: { readonly dir: string; readonly out: string }) =>
  Effect.gen(function* () {
    const packed = yield* packDir(dir)
    const { packageJson } = yield* inspect(packed.bytes)
    const manifest = yield* decodePackageJson(packageJson).pipe(
      Effect.mapError(
        (issues) => new RegistryError({ reason: "InvalidManifest", message: `invalid manifest in ${dir}`, issues })
      )
    )
    const file = join(out, `${manifest.id}-${manifest.version}.tgz`)
    yield* Effect.tryPromise({ try: () => writeFile(file, packed.bytes), catch: fileError })
    yield* Console.log(`${file}\n${packed.files.length} files, ${packed.bytes.byteLength} bytes\n${packed.integrity}`)
  })

export const publish = ({
  registry,
  tgz,
  token
}: {
  readonly registry: string
  readonly tgz: string
  readonly token: Redacted.Redacted
}) =>
  Effect.gen(function* () {
    const bytes = yield* Effect.tryPromise({ try: () => readFile(tgz), catch: fileError })
    const { id, published } = yield* Client.publish(registry, new Uint8Array(bytes), Redacted.value(token))
    yield* Console.log(`published ${id}@${published.version} ${published.integrity}`)
  })

export const list = ({ registry }: { readonly registry: string }) =>
  Client.list(registry).pipe(
    Effect.flatMap(({ plugins }) =>
      Console.log(
        plugins.length === 0
          ? "no plugins"
          : plugins.map((p) => `${p.id}@${p.latest}  ${p.kind}  ${p.description}`).join("\n")
      )
    )
  )

export const info = ({ id, registry }: { readonly id: string; readonly registry: string }) =>
  Client.info(registry, id).pipe(Effect.flatMap((record) => Console.log(JSON.stringify(record, null, 2))))

export const install = (options: {
  readonly spec: string
  readonly registry: string
  readonly dir: string
  readonly core: string
  readonly force: boolean
}) =>
  installPlugin(options).pipe(
    Effect.flatMap((i) =>
      Console.log(
        `installed ${i.id}@${i.version} into ${i.dir}${i.replaced === undefined ? "" : ` (replacing ${i.replaced})`}\n${i.integrity}`
      )
    )
  )

export const serve = ({
  authors,
  data,
  host,
  port
}: {
  readonly authors: string
  readonly data: string
  readonly host: string
  readonly port: number
}) =>
  serveRegistry({ port, hostname: host, dataDir: data, authorsFile: authors }).pipe(
    Effect.tap(({ url }) => Console.log(`registry on ${url}, data in ${data}`)),
    Effect.zipRight(Effect.never),
    Effect.scoped
  )

export const author = ({ authors, name }: { readonly authors: string; readonly name: string }) =>
  addAuthor(authors, name).pipe(
    Effect.flatMap((token) =>
      Console.log(`${token}\nadded ${name} to ${authors}: keep this token, only its hash is stored`)
    )
  )
