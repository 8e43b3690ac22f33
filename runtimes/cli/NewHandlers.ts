/**
 * What `meridian new strategy` runs: write the package and say how to backtest and test it.
 *
 * @since 0.1.0
 */
import { resolve } from "node:path"
import { Console, Effect, Option } from "effect"
import { ScaffoldError, scaffoldStrategy, strategyNames } from "../../registry/src/Scaffold"

export const newStrategy = (o: { readonly name: string; readonly dir: Option.Option<string> }) =>
  Effect.gen(function* () {
    const names = strategyNames(o.name)
    if (names instanceof ScaffoldError) return yield* names
    const dir = Option.getOrElse(o.dir, () => names.id)
    const made = yield* scaffoldStrategy(o.name, resolve(dir))
    yield* Console.log(
      [
        `created ${made.names.id} in ${made.dir}:`,
        ...made.files.map((file) => `  ${file}`),
        "",
        "Next:",
        `  meridian backtest --strategy ${dir} --data <prices.csv>`,
        `  cd ${dir} && npm install && npm test`
      ].join("\n")
    )
  })
