/** The `meridian` process on Node. */
// Module paths, not the package's index: the index brings undici's HTTP client into every start.
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { Cli } from "../cli"

Cli.run(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
