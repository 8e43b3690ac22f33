/**
 * `meridian new strategy <name>`: a strategy plugin package in a folder of its own, ready to backtest
 * (`meridian backtest --strategy <folder>`), to test and to pack. Its `package.json` carries the manifest the
 * registry validates and depends on the `@meridian/core` and `effect` versions of the running Meridian; its strategy
 * is a small, working momentum rule written against `MarketData` and `Accounts`.
 *
 * @since 0.1.0
 */
import { mkdir, readdir, stat, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { Effect, JSONSchema, Schema } from "effect"
import corePackage from "../../core/package.json" with { type: "json" }
import { instrumentField } from "../../core/strategy/Params"
import * as Sizing from "../../core/strategy/Sizing"
import rootPackage from "../../package.json" with { type: "json" }

/** Why a package cannot be scaffolded. */
export class ScaffoldError extends Schema.TaggedError<ScaffoldError>()("ScaffoldError", {
  reason: Schema.Literal("BadName", "FolderNotEmpty", "Write"),
  message: Schema.String
}) {}

const kebab = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/

/** The names a scaffolded strategy goes by: plugin id, package name, source file and export. */
export interface StrategyNames {
  /** `strategy-<name>`: the plugin id, also the package name and what `--strategy <name>` finds. */
  readonly id: string
  /** PascalCase, the source file: `BuyTheDip`. */
  readonly type: string
  /** camelCase, the exported strategy: `buyTheDip`. */
  readonly value: string
}

/** The names of strategy `name` (kebab-case, with or without the `strategy-` prefix), or why it is not one. */
export const strategyNames = (name: string): StrategyNames | ScaffoldError => {
  const base = name.replace(/^strategy-/, "")
  if (!kebab.test(name) || !kebab.test(base)) {
    return new ScaffoldError({
      reason: "BadName",
      message: `${JSON.stringify(name)} is not a strategy name: use kebab-case letters and digits, e.g. buy-the-dip`
    })
  }
  const words = base.split("-")
  const type = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("")
  return { id: `strategy-${base}`, type, value: type[0]!.toLowerCase() + type.slice(1) }
}

/**
 * The scaffolded strategy's parameters, as its `src/<Name>.ts` declares them: the JSON Schema of the manifest in its
 * `package.json` is made from this (the package's own test checks the two agree).
 */
const Params = Schema.Struct({
  ...instrumentField,
  lookback: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10_000)), { default: () => 20 }),
  sizing: Schema.optionalWith(Sizing.SizingFromString, {
    default: () => ({ _tag: "PercentOfEquity", percent: 95, at: "signal" }) as const
  })
})

const capabilities = ["market-data:bars", "market-data:quotes", "orders:submit"] as const

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

const packageJson = (names: StrategyNames) =>
  json({
    name: names.id,
    version: "0.1.0",
    private: true,
    description: `${names.type}: a Meridian strategy`,
    type: "module",
    exports: { ".": "./src/index.ts" },
    scripts: { test: "vitest run", typecheck: "tsc --noEmit" },
    meridian: {
      id: names.id,
      kind: "strategy",
      coreApi: `^${corePackage.version}`,
      entry: "src/index.ts",
      params: JSONSchema.make(Params),
      capabilities
    },
    dependencies: { "@meridian/core": corePackage.version, effect: rootPackage.dependencies.effect },
    devDependencies: {
      "@types/node": rootPackage.devDependencies["@types/node"],
      typescript: rootPackage.devDependencies.typescript,
      vitest: rootPackage.devDependencies.vitest
    }
  })

const strategySource = ({ id, type, value }: StrategyNames) => `/**
 * ${type}: momentum on one instrument. On each bar close (or quote mid price) it compares the price with the one
 * \`lookback\` prices earlier: above it, it buys (sized by \`sizing\`); at or below it, it sells what it holds.
 *
 * @since 0.1.0
 */
import { traded } from "@meridian/core/strategy/Instruments"
import { instrumentField } from "@meridian/core/strategy/Params"
import * as Sizing from "@meridian/core/strategy/Sizing"
import * as Strategy from "@meridian/core/strategy/Strategy"
import { Effect, Schema } from "effect"

export const Params = Schema.Struct({
  ...instrumentField,
  /** Prices between the two compared. */
  lookback: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10_000)), { default: () => 20 }),
  sizing: Schema.optionalWith(Sizing.SizingFromString, {
    default: () => ({ _tag: "PercentOfEquity", percent: 95, at: "signal" }) as const
  })
})
export type Params = typeof Params.Type

/** The signal, kept apart from the orders so that it tests without a backtest. */
export class Momentum {
  private readonly prices: Array<number> = []

  constructor(readonly lookback: number) {}

  /** Adds a price: \`true\` when it is above the price \`lookback\` prices earlier, \`false\` when not, undefined until then. */
  update(price: number): boolean | undefined {
    this.prices.push(price)
    if (this.prices.length > this.lookback + 1) this.prices.shift()
    return this.prices.length > this.lookback ? price > this.prices[0]! : undefined
  }
}

export const ${value} = Strategy.make({
  id: ${JSON.stringify(id)},
  description: "Momentum: long while the price is above where it was lookback prices ago",
  params: Params,
  program: (params) =>
    Effect.gen(function* () {
      const { marketData, accounts, instrument, spec } = yield* traded(params.instrument)
      const id = instrument.id
      const momentum = new Momentum(params.lookback)
      let long: boolean | undefined

      const onPrice = (price: number) => {
        const signal = momentum.update(price)
        // Act on a change of signal only: an order sent on this price fills after it.
        if (signal === undefined || signal === long) return
        long = signal
        const position = accounts.position(id)
        if (signal && position === 0) {
          const size = Sizing.entry(params.sizing, spec, price, accounts.equity())
          const { notionalLimit } = size
          if (size.quantity > 0) {
            accounts.submit({
              instrumentId: id,
              side: "buy",
              type: "market",
              quantity: size.quantity,
              timeInForce: "GTC",
              ...(notionalLimit !== undefined && { notionalLimit })
            })
          }
        } else if (!signal && position > 0) {
          accounts.submit({
            instrumentId: id,
            side: "sell",
            type: "market",
            quantity: position,
            timeInForce: "GTC",
            reduceOnly: true
          })
        }
      }

      yield* marketData.subscribe(id, {
        onBar: (bar) => onPrice(bar.close),
        onQuote: (quote) => onPrice((quote.bidPrice + quote.askPrice) / 2)
      })
    })
})
`

/** Case-insensitive order, as the formatter sorts imports. */
const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase())

const indexSource = ({ type, value }: StrategyNames) =>
  `export { ${[`${value} as default`, value, "Momentum", "Params"].sort((a, b) => byName(a.split(" ")[0]!, b.split(" ")[0]!)).join(", ")} } from "./${type}"\n`

const manifestSource = ({ id, type }: StrategyNames) => `/**
 * The plugin's manifest, as data: the \`"meridian"\` field of package.json (the test checks that the two agree).
 * Its parameters' JSON Schema is generated from \`Params\`.
 *
 * @since 0.1.0
 */
import { JSONSchema } from "effect"
import { Params } from "./${type}"

export const meridian = {
  id: ${JSON.stringify(id)},
  kind: "strategy",
  coreApi: "^${corePackage.version}",
  entry: "src/index.ts",
  params: JSONSchema.make(Params),
  capabilities: [${capabilities.map((c) => JSON.stringify(c)).join(", ")}]
} as const
`

/** `import { names } from "path"` lines, in the formatter's order of paths. */
const sortedImports = (imports: ReadonlyArray<readonly [string, string]>) =>
  [...imports]
    .sort(([, a], [, b]) => byName(a, b))
    .map(([names, path]) => `import { ${names} } from "${path}"`)
    .join("\n")

const testSource = ({ id, type, value }: StrategyNames) => `import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import packageJson from "../package.json" with { type: "json" }
${sortedImports([
  ["meridian", "../src/manifest"],
  [[value, "Momentum", "Params"].sort(byName).join(", "), `../src/${type}`]
])}

describe(${JSON.stringify(id)}, () => {
  it("is long while the price is above the one lookback prices earlier", () => {
    const momentum = new Momentum(2)
    expect([10, 11, 12, 11, 9, 12].map((price) => momentum.update(price))).toEqual([
      undefined,
      undefined,
      true,
      false,
      false,
      true
    ])
  })

  it("decodes its parameters, with defaults", () => {
    expect(Schema.decodeUnknownSync(Params)({ lookback: 5, sizing: "qty:10" })).toEqual({
      lookback: 5,
      sizing: { _tag: "FixedQuantity", lots: 10 }
    })
    expect(Schema.decodeUnknownSync(Params)({}).lookback).toBe(20)
  })

  it("publishes the manifest src/manifest.ts makes", () => {
    expect(${value}.id).toBe(meridian.id)
    expect(packageJson.meridian).toEqual(JSON.parse(JSON.stringify(meridian)))
  })
})
`

const readme = ({ id, type }: StrategyNames) => `# ${id}

A [Meridian](https://github.com/) strategy: \`src/${type}.ts\`. Its manifest is the \`"meridian"\` field of
\`package.json\` (\`src/manifest.ts\` makes it from the parameters' schema; the test checks that they agree).

## Backtest it

From anywhere, with Meridian's command line (\`@meridian/core\` and \`effect\` come from Meridian's own install when
this folder has none):

\`\`\`sh
meridian backtest --strategy path/to/${id} --data prices.csv --param lookback=50 --sizing equity:50
\`\`\`

\`--data\` takes a CSV file of bars (\`Date,Open,High,Low,Close[,Volume]\`), quotes or trades; Meridian ships S&P 500
daily bars in \`node_modules/vega-datasets/data/sp500-2000.csv\`. Put the folder in a \`plugins/\` folder (where
\`meridian plugin install\` installs) to select it by name: \`--strategy ${id.replace(/^strategy-/, "")}\`.

## Test it

\`\`\`sh
npm install   # @meridian/core comes from your Meridian checkout or registry
npm test
\`\`\`

## Publish it

\`\`\`sh
meridian plugin pack . && meridian plugin publish ${id}-0.1.0.tgz --token ...
\`\`\`
`

const tsconfig = `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2023"],
    "module": "ESNext",
    "moduleResolution": "bundler",
    "strict": true,
    "exactOptionalPropertyTypes": true,
    "noUncheckedIndexedAccess": true,
    "verbatimModuleSyntax": true,
    "resolveJsonModule": true,
    "skipLibCheck": true,
    "noEmit": true,
    "types": ["node"]
  },
  "include": ["src", "test"]
}
`

/** The files of the package of strategy `names`, by path relative to its folder. */
export const strategyPackage = (names: StrategyNames): Readonly<Record<string, string>> => ({
  "package.json": packageJson(names),
  "README.md": readme(names),
  "tsconfig.json": tsconfig,
  ".gitignore": "node_modules\n",
  [`src/${names.type}.ts`]: strategySource(names),
  "src/index.ts": indexSource(names),
  "src/manifest.ts": manifestSource(names),
  [`test/${names.type}.test.ts`]: testSource(names)
})

/** Whether `dir` is missing or an empty folder. */
const isFree = async (dir: string): Promise<boolean> => {
  const info = await stat(dir).catch((e: NodeJS.ErrnoException) =>
    e.code === "ENOENT" ? undefined : Promise.reject(e)
  )
  if (info === undefined) return true
  return info.isDirectory() && (await readdir(dir)).length === 0
}

/** What was scaffolded: the strategy's names, its folder and its files (relative paths, in writing order). */
export interface Scaffolded {
  readonly names: StrategyNames
  readonly dir: string
  readonly files: ReadonlyArray<string>
}

const writeError = (dir: string) => (e: unknown) =>
  new ScaffoldError({ reason: "Write", message: `cannot write ${dir}: ${e instanceof Error ? e.message : String(e)}` })

/** Writes the package of strategy `name` into `dir`, which must be missing or empty. */
export const scaffoldStrategy = (name: string, dir: string): Effect.Effect<Scaffolded, ScaffoldError> =>
  Effect.gen(function* () {
    const names = strategyNames(name)
    if (names instanceof ScaffoldError) return yield* names
    if (!(yield* Effect.tryPromise({ try: () => isFree(dir), catch: writeError(dir) }))) {
      return yield* new ScaffoldError({ reason: "FolderNotEmpty", message: `${dir} exists and is not an empty folder` })
    }
    const files = strategyPackage(names)
    for (const [file, text] of Object.entries(files)) {
      yield* Effect.tryPromise({
        try: async () => {
          await mkdir(dirname(join(dir, file)), { recursive: true })
          await writeFile(join(dir, file), text, { flag: "wx" })
        },
        catch: writeError(dir)
      })
    }
    return { names, dir, files: Object.keys(files) }
  })
