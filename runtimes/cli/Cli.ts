/**
 * The `meridian` command line. Platform-free: each runtime's `main` provides its platform layer. Commands load
 * what they run when they run (`lazy`), so that starting the process costs only the parsing of its arguments.
 *
 * @since 0.1.0
 */
import { Command, Options, ValidationError } from "@effect/cli"
import { Cause, Console, Context, Effect, Option } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import { plugin } from "../../registry/src/Cli"
import { backtest, demo } from "./BacktestCommand"
import { databaseOptions } from "./DatabaseOptions"
import { data } from "./DataCommand"
import { docText, helpLayout, plainHelp, requestedHelp, stripAnsi } from "./HelpText"
import { infoLine } from "./Info"
import { lazy } from "./lazy"
import { newCommand } from "./NewCommand"
import { panel, user } from "./PanelCommand"
import { runs } from "./RunsCommand"
import { service } from "./ServiceCommand"
import { sweep } from "./SweepCommand"
import { parity, status, up } from "./UpCommand"
import { worker } from "./WorkerCommand"

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

const info = Command.make("info", {}, () => Effect.flatMap(Effect.sync(infoLine), Console.log)).pipe(
  Command.withDescription("Print the version and the runtime")
)

/** The console of the process: the parser prints through a quieter one, a command's own work through this one. */
class ProcessConsole extends Context.Tag("@meridian/cli/ProcessConsole")<ProcessConsole, Console.Console>() {}

export const command = Command.make("meridian").pipe(
  Command.withDescription(
    "Meridian: backtest, paper-trade and trade live with one strategy code (--verbose anywhere: a failure's full trace)"
  ),
  Command.withSubcommands([
    up,
    status,
    parity,
    demo,
    backtest,
    runs,
    sweep,
    worker,
    data,
    staticData,
    plugin,
    newCommand,
    service,
    panel,
    user,
    info
  ]),
  Command.transformHandler((effect) => Effect.flatMap(ProcessConsole, (console) => Effect.withConsole(effect, console)))
)

/** The name and version help prints. */
export const app = { name: "meridian", version: packageJson.version }
const runCommand = Command.run(command, app)

/** Errors a user can mend, by tag: each prints one line. */
const USER_ERRORS = new Set([
  "BacktestError",
  "StaticDataError",
  "HistoryError",
  "DatabaseError",
  "BacktestRunNotFound",
  "RegistryError",
  "ScaffoldError",
  "AccountsConfigError",
  "JournalError",
  "ProtocolError",
  "UserExists",
  "UserError",
  "PasswordError",
  "SessionError"
])

const isUserError = (error: unknown): error is { readonly message: string } =>
  typeof error === "object" && error !== null && "_tag" in error && USER_ERRORS.has(String(error._tag))

/**
 * The console the parser prints through: its own copy of a parse error goes (`run` prints it as one line), and help
 * is made plain (no generic type lines, wrapped to the terminal, no colour codes when piped).
 */
const parserConsole = (console: Console.Console, help: boolean): Console.Console => {
  const layout = helpLayout()
  const plain = (arg: unknown) =>
    typeof arg !== "string" ? arg : help ? plainHelp(arg, layout) : layout.color ? arg : stripAnsi(arg)
  return { ...console, log: (...args) => console.log(...args.map(plain)), error: () => Effect.void }
}

/** The command named by the arguments (`meridian backtest`), for a hint to its help. */
const commandOf = (args: ReadonlyArray<string>) => {
  const words = args.slice(2)
  const end = words.findIndex((word) => word.startsWith("-"))
  return ["meridian", ...(end < 0 ? words : words.slice(0, end))].slice(0, 3).join(" ")
}

/** What went wrong, in one line, and the exit code: 2 for a command line that does not parse, else 1. */
const describe = (cause: Cause.Cause<unknown>, args: ReadonlyArray<string>) => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (ValidationError.isValidationError(error)) {
      return { line: `${docText(error.error)} (see ${commandOf(args)} --help)`, code: 2, expected: true }
    }
    if (isUserError(error)) return { line: error.message, code: 1, expected: true }
    return { line: messageOf(error), code: 1, expected: false }
  }
  const defect = Cause.dieOption(cause)
  return { line: Option.isSome(defect) ? messageOf(defect.value) : "failed", code: 1, expected: false }
}

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

/**
 * Run the CLI. Every failure prints one line `meridian: ...` and sets a failing exit code; `--verbose` (anywhere in
 * the arguments) adds the full cause with its stack traces. An interruption (Ctrl-C) ends the run as it is.
 */
export const run = (argv: ReadonlyArray<string>) => {
  const verbose = argv.includes("--verbose")
  const args = argv.filter((arg) => arg !== "--verbose")
  const help = args.includes("--help") || args.includes("-h")
  // Help is printed here, not by `@effect/cli`, whose layout engine took longer than the rest of the start.
  const parse = help
    ? Effect.flatMap(requestedHelp(command.descriptor, args, app, { color: true }), (text) =>
        Option.isSome(text) ? Console.log(text.value) : runCommand(args)
      )
    : runCommand(args)
  return Effect.consoleWith((console) =>
    parse.pipe(
      Effect.withConsole(parserConsole(console, help)),
      Effect.provideService(ProcessConsole, console),
      Effect.catchAllCause((cause) => {
        if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
        const { line, code, expected } = describe(cause, args)
        const hint = verbose || expected ? "" : " (--verbose for the trace)"
        return console.error(`meridian: ${line}${hint}`).pipe(
          Effect.zipRight(verbose ? console.error(Cause.pretty(cause, { renderErrorCause: true })) : Effect.void),
          Effect.zipRight(
            Effect.sync(() => {
              process.exitCode = code
            })
          )
        )
      })
    )
  )
}
