/**
 * The `meridian` command line. Platform-free: each runtime's `main` provides its platform layer. Commands load
 * what they run when they run (`lazy`), so that starting the process costs only the parsing of its arguments.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import { plugin } from "../../registry/src/Cli"
import { backtest, demo } from "./BacktestCommand"
import { databaseOptions } from "./DatabaseOptions"
import { data } from "./DataCommand"
import { lazy } from "./lazy"
import { runs } from "./RunsCommand"
import { service } from "./ServiceCommand"

const staticHandlers = lazy(() => import("./StaticHandlers"))

const staticLoad = Command.make(
  "load",
  {
    ...databaseOptions,
    dir: Options.directory("dir").pipe(
      Options.optional,
      Options.withDescription("folder of the static data files (default: the set shipped with Meridian)")
    )
  },
  (o) => staticHandlers((h) => h.load(o))
).pipe(Command.withDescription("Load a static data set into the central database (an upsert)"))

const staticData = Command.make("static").pipe(
  Command.withDescription("Static data: instruments, calendars, fees, FX rates"),
  Command.withSubcommands([staticLoad])
)

const info = Command.make("info", {}, () =>
  Effect.sync(() => {
    const bun = (globalThis as { Bun?: { version: string } }).Bun
    return bun === undefined ? `node ${process.versions.node}` : `bun ${bun.version}`
  }).pipe(Effect.flatMap((runtime) => Console.log(`meridian ${packageJson.version} on ${runtime}`)))
).pipe(Command.withDescription("Print the version and the runtime"))

export const command = Command.make("meridian").pipe(
  Command.withDescription("Meridian: backtest, paper-trade and trade live with one strategy code"),
  Command.withSubcommands([demo, backtest, runs, data, staticData, plugin, service, info])
)

const runCommand = Command.run(command, { name: "meridian", version: packageJson.version })

/** Errors a user can mend, by tag: each prints one line. */
const USER_ERRORS = new Set([
  "BacktestError",
  "StaticDataError",
  "HistoryError",
  "DatabaseError",
  "BacktestRunNotFound",
  "RegistryError",
  "AccountsConfigError",
  "JournalError",
  "ProtocolError"
])

const isUserError = (error: unknown): error is { readonly message: string } =>
  typeof error === "object" && error !== null && "_tag" in error && USER_ERRORS.has(String(error._tag))

/** Run the CLI; a user error prints one line and sets a failing exit code instead of a stack trace. */
export const run = (argv: ReadonlyArray<string>) =>
  runCommand(argv).pipe(Effect.catchAll((error) => (isUserError(error) ? fail(error.message) : Effect.fail(error))))

const fail = (message: string) =>
  Console.error(`meridian: ${message}`).pipe(
    Effect.zipRight(
      Effect.sync(() => {
        process.exitCode = 1
      })
    )
  )
