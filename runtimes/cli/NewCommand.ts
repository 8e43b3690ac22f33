/**
 * `meridian new strategy <name> [--dir <folder>]`: scaffold a strategy plugin package in a folder of its own. The
 * options are here; the work is in `NewHandlers.ts`, loaded when the command runs.
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { lazy } from "./lazy"

const handlers = lazy(() => import("./NewHandlers"))

const strategy = Command.make(
  "strategy",
  {
    name: Args.text({ name: "name" }).pipe(
      Args.withDescription("the strategy's kebab-case name, e.g. buy-the-dip (its plugin id: strategy-buy-the-dip)")
    ),
    dir: Options.directory("dir").pipe(
      Options.optional,
      Options.withDescription("the package's folder, missing or empty (default: ./strategy-<name>)")
    )
  },
  (o) => handlers((h) => h.newStrategy(o))
).pipe(
  Command.withDescription(
    "Scaffold a strategy package: package.json with its manifest, the strategy, a test and a README"
  )
)

/** `new strategy`. */
export const newCommand = Command.make("new").pipe(
  Command.withDescription("Scaffold a plugin package in a folder of its own"),
  Command.withSubcommands([strategy])
)
