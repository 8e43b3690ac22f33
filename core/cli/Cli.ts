/**
 * The `meridian` command line. Platform-free: each runtime's `main` provides its platform layer.
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import packageJson from "../package.json" with { type: "json" }

const demo = Command.make("demo", {}, () =>
  Console.log(
    [
      "Meridian demo platform",
      "",
      "Ready today: the domain model (instruments, orders, fills, positions, market data) with exact integer",
      "units and msgpack/JSON codecs that validate every field.",
      "",
      "Coming next, on embedded defaults with nothing to install:",
      "  - a backtest of an SMA-crossover strategy on 20 years of real S&P 500 daily bars",
      "  - the Accounts engine (OMS, pre-trade risk, positions, PnL) and the simulated venue",
      "  - an embedded PostgreSQL for runs and results, and the Control Panel"
    ].join("\n")
  )
).pipe(Command.withDescription("Run the demo platform on embedded defaults"))

const info = Command.make("info", {}, () =>
  Effect.sync(() => {
    const bun = (globalThis as { Bun?: { version: string } }).Bun
    return bun === undefined ? `node ${process.versions.node}` : `bun ${bun.version}`
  }).pipe(Effect.flatMap((runtime) => Console.log(`meridian ${packageJson.version} on ${runtime}`)))
).pipe(Command.withDescription("Print the version and the runtime"))

export const command = Command.make("meridian").pipe(
  Command.withDescription("Meridian: backtest, paper-trade and trade live with one strategy code"),
  Command.withSubcommands([demo, info])
)

export const run = Command.run(command, { name: "meridian", version: packageJson.version })
