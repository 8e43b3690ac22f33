/**
 * `plugin`: the command line of the plugin registry — pack, publish, list, info, install, serve the registry and
 * add its authors.
 * Requests go through `FetchHttpClient`; files through node:fs (the registry runs on Node and Bun).
 *
 * @since 0.1.0
 */
import { readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Args, Command, Options } from "@effect/cli"
import { FetchHttpClient } from "@effect/platform"
import { Console, Effect, Redacted } from "effect"
import { addAuthor } from "./Authors"
import * as Client from "./Client"
import { coreVersion } from "./CoreVersion"
import { install as installPlugin } from "./Install"
import { decodePackageJson } from "./Manifest"
import { pack as packDir } from "./Pack"
import { RegistryError } from "./RegistryError"
import { serve as serveRegistry } from "./Server"
import { inspect } from "./Tarball"

const registry = Options.text("registry").pipe(
  Options.withDefault("http://127.0.0.1:4873"),
  Options.withDescription("the registry's URL")
)

const fileError = (e: unknown) =>
  new RegistryError({ reason: "Storage", message: e instanceof Error ? e.message : String(e) })

const pack = Command.make(
  "pack",
  {
    dir: Args.directory({ name: "dir", exists: "yes" }),
    out: Options.directory("out").pipe(Options.withDefault("."), Options.withDescription("where the .tgz goes"))
  },
  ({ dir, out }) =>
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
).pipe(Command.withDescription("Pack a plugin folder into <id>-<version>.tgz and print its sha512 integrity"))

const publish = Command.make(
  "publish",
  {
    tgz: Args.file({ name: "tgz", exists: "yes" }),
    registry,
    token: Options.redacted("token").pipe(Options.withDescription("the author's token"))
  },
  ({ registry, tgz, token }) =>
    Effect.gen(function* () {
      const bytes = yield* Effect.tryPromise({ try: () => readFile(tgz), catch: fileError })
      const { id, published } = yield* Client.publish(registry, new Uint8Array(bytes), Redacted.value(token))
      yield* Console.log(`published ${id}@${published.version} ${published.integrity}`)
    })
).pipe(Command.withDescription("Publish a packed plugin"))

const list = Command.make("list", { registry }, ({ registry }) =>
  Client.list(registry).pipe(
    Effect.flatMap(({ plugins }) =>
      Console.log(
        plugins.length === 0
          ? "no plugins"
          : plugins.map((p) => `${p.id}@${p.latest}  ${p.kind}  ${p.description}`).join("\n")
      )
    )
  )
).pipe(Command.withDescription("List the registry's plugins and their latest versions"))

const info = Command.make("info", { id: Args.text({ name: "id" }), registry }, ({ id, registry }) =>
  Client.info(registry, id).pipe(Effect.flatMap((record) => Console.log(JSON.stringify(record, null, 2))))
).pipe(Command.withDescription("Print a plugin's owner, versions and manifests"))

const install = Command.make(
  "install",
  {
    spec: Args.text({ name: "id[@range]" }),
    registry,
    dir: Options.directory("dir").pipe(Options.withDefault("plugins"), Options.withDescription("the plugins folder")),
    core: Options.text("core").pipe(
      Options.withDefault(coreVersion),
      Options.withDescription("the core version to resolve for")
    )
  },
  ({ core, dir, registry, spec }) =>
    installPlugin({ registry, spec, dir, core }).pipe(
      Effect.flatMap((i) => Console.log(`installed ${i.id}@${i.version} into ${i.dir}\n${i.integrity}`))
    )
).pipe(Command.withDescription("Install a plugin: resolve, download, verify sha512, extract"))

const serve = Command.make(
  "serve",
  {
    port: Options.integer("port").pipe(Options.withDefault(4873)),
    host: Options.text("host").pipe(Options.withDefault("127.0.0.1")),
    data: Options.directory("data").pipe(Options.withDescription("the storage directory")),
    authors: Options.file("authors", { exists: "yes" }).pipe(
      Options.withDescription("JSON file of { author, tokenSha256 }")
    )
  },
  ({ authors, data, host, port }) =>
    serveRegistry({ port, hostname: host, dataDir: data, authorsFile: authors }).pipe(
      Effect.tap(({ url }) => Console.log(`registry on ${url}, data in ${data}`)),
      Effect.zipRight(Effect.never),
      Effect.scoped
    )
).pipe(Command.withDescription("Run the registry service"))

const author = Command.make(
  "author",
  {
    name: Args.text({ name: "name" }),
    authors: Options.file("authors").pipe(Options.withDescription("the registry's authors file (created if missing)"))
  },
  ({ authors, name }) =>
    addAuthor(authors, name).pipe(
      Effect.flatMap((token) =>
        Console.log(`${token}\nadded ${name} to ${authors}: keep this token, only its hash is stored`)
      )
    )
).pipe(Command.withDescription("Add an author to a registry's authors file and print their new token"))

/** `plugin pack|publish|list|info|install|serve|author`. */
export const plugin = Command.make("plugin").pipe(
  Command.withDescription("Pack, publish, find and install plugins; run the plugin registry and add its authors"),
  Command.withSubcommands([pack, publish, list, info, install, serve, author]),
  Command.provide(FetchHttpClient.layer)
)
