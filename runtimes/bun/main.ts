/** The `meridian` process on Bun: the Node entry with Bun's platform layer. */
import { BunContext, BunRuntime } from "@effect/platform-bun"
import { Effect } from "effect"
import { Cli } from "../cli"

Cli.run(process.argv).pipe(Effect.provide(BunContext.layer), BunRuntime.runMain)
