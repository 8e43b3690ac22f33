/**
 * `plugin`: the command line of the plugin registry — pack, publish, list, info, install, serve the registry and
 * add its authors. The options are here; what each command runs is in `CliHandlers.ts`, imported when it runs.
 * Requests go through `FetchHttpClient`; files through node:fs (the registry runs on Node and Bun).
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { FetchHttpClient } from "@effect/platform"
import { Effect } from "effect"
import { coreVersion } from "./CoreVersion"

type Handlers = typeof import("./CliHandlers")

const handlers = <A, E, R>(use: (h: Handlers) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(
    Effect.promise(() => import("./CliHandlers")),
    use
  )

const registry = Options.text("registry").pipe(
  Options.withDefault("http://127.0.0.1:4873"),
  Options.withDescription("the registry's URL")
)

const pack = Command.make(
  "pack",
  {
    dir: Args.directory({ name: "dir", exists: "yes" }).pipe(Args.withDescription("the plugin's folder")),
    out: Options.directory("out").pipe(Options.withDefault("."), Options.withDescription("where the .tgz goes"))
  },
  (o) => handlers((h) => h.pack(o))
).pipe(Command.withDescription("Pack a plugin folder into <id>-<version>.tgz and print its sha512 integrity"))

const publish = Command.make(
  "publish",
  {
    tgz: Args.file({ name: "tgz", exists: "yes" }).pipe(Args.withDescription("the .tgz that plugin pack wrote")),
    registry,
    token: Options.redacted("token").pipe(Options.withDescription("the author's token"))
  },
  (o) => handlers((h) => h.publish(o))
).pipe(Command.withDescription("Publish a packed plugin"))

const list = Command.make("list", { registry }, (o) => handlers((h) => h.list(o))).pipe(
  Command.withDescription("List the registry's plugins and their latest versions")
)

const info = Command.make(
  "info",
  { id: Args.text({ name: "id" }).pipe(Args.withDescription("the plugin's id, e.g. strategy-sma-cross")), registry },
  (o) => handlers((h) => h.info(o))
).pipe(Command.withDescription("Print a plugin's owner, versions and manifests"))

const install = Command.make(
  "install",
  {
    spec: Args.text({ name: "id[@range]" }).pipe(
      Args.withDescription("the plugin's id and a semver range of its versions (default: the latest)")
    ),
    registry,
    dir: Options.directory("dir").pipe(Options.withDefault("plugins"), Options.withDescription("the plugins folder")),
    core: Options.text("core").pipe(
      Options.withDefault(coreVersion),
      Options.withDescription("the core version to resolve for")
    ),
    force: Options.boolean("force").pipe(
      Options.withDescription("replace the plugin's folder even when no install made it")
    )
  },
  (o) => handlers((h) => h.install(o))
).pipe(Command.withDescription("Install a plugin: resolve, download, verify sha512, extract"))

const serve = Command.make(
  "serve",
  {
    port: Options.integer("port").pipe(Options.withDefault(4873), Options.withDescription("the port to listen on")),
    host: Options.text("host").pipe(
      Options.withDefault("127.0.0.1"),
      Options.withDescription("the address to listen on")
    ),
    data: Options.directory("data").pipe(Options.withDescription("the storage directory")),
    authors: Options.file("authors", { exists: "yes" }).pipe(
      Options.withDescription("JSON file of { author, tokenSha256 }")
    )
  },
  (o) => handlers((h) => h.serve(o))
).pipe(Command.withDescription("Run the registry service"))

const author = Command.make(
  "author",
  {
    name: Args.text({ name: "name" }).pipe(Args.withDescription("the author's name")),
    authors: Options.file("authors").pipe(Options.withDescription("the registry's authors file (created if missing)"))
  },
  (o) => handlers((h) => h.author(o))
).pipe(Command.withDescription("Add an author to a registry's authors file and print their new token"))

/** `plugin pack|publish|list|info|install|serve|author`. */
export const plugin = Command.make("plugin").pipe(
  Command.withDescription("Pack, publish, find and install plugins; run the plugin registry and add its authors"),
  Command.withSubcommands([pack, publish, list, info, install, serve, author]),
  Command.provide(FetchHttpClient.layer)
)
