/**
 * `meridian --help` as the command line renders it, with its colour codes, before `plainHelp` fits it to a terminal:
 * the build stores it beside the bundle (`dist/help.txt`), and `bin/meridian.mjs` prints it from there without loading
 * the bundle, which a start that only asks for help spent most of its time on.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, Option } from "effect"
import { app, command } from "../cli/Cli"
import { requestedHelp } from "../cli/HelpText"

export const topLevelHelp = (): Promise<string> =>
  requestedHelp(command.descriptor, ["node", app.name, "--help"], app, { color: true }).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.dieMessage("no help for --help"), onSome: Effect.succeed })),
    Effect.provide(NodeContext.layer),
    Effect.runPromise
  )
