/**
 * `meridian data import|catalog|compact`: CSV files into the market data history, what it holds, and merging its
 * parts. The work itself is in `DataHandlers.ts`, loaded when a command runs.
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { lazy } from "./lazy"

const handlers = lazy(() => import("./DataHandlers"))

const history = Options.directory("history").pipe(
  Options.withDefault(".meridian/history"),
  Options.withDescription("root of the market data history")
)

const importCsv = Command.make(
  "import",
  {
    file: Args.file({ name: "file", exists: "yes" }).pipe(Args.withDescription("the CSV file to import")),
    instrument: Options.text("instrument").pipe(Options.withDescription("SYMBOL.VENUE of every row")),
    kind: Options.choice("kind", ["bar", "quote", "trade", "book"]).pipe(
      Options.optional,
      Options.withDescription("what the file holds (default: from its header)")
    ),
    currency: Options.text("currency").pipe(
      Options.withDefault("USD"),
      Options.withDescription("quote currency, when the instrument is not in the static data")
    ),
    tickSize: Options.text("tick-size").pipe(
      Options.withDefault("0.01"),
      Options.withDescription("price increment, when the instrument is not in the static data")
    ),
    lotSize: Options.text("lot-size").pipe(
      Options.withDefault("1"),
      Options.withDescription("quantity increment, when the instrument is not in the static data")
    ),
    timezone: Options.text("timezone").pipe(
      Options.optional,
      Options.withDescription("IANA zone of timestamps written without an offset (default: the instrument's, else UTC)")
    ),
    history
  },
  (o) => handlers((h) => h.importCsv(o))
).pipe(
  Command.withDescription("Import a CSV file of bars, quotes, trades or L2 book rows into the market data history")
)

const catalog = Command.make("catalog", { history }, (o) => handlers((h) => h.catalog(o))).pipe(
  Command.withDescription("List what the market data history holds")
)

const compact = Command.make("compact", { history }, (o) => handlers((h) => h.compact(o))).pipe(
  Command.withDescription("Merge each partition written in several parts into one (replays the same rows)")
)

export const data = Command.make("data").pipe(
  Command.withDescription("The market data history: import CSV files, list the catalog, compact it"),
  Command.withSubcommands([importCsv, catalog, compact])
)
