/**
 * The order the test files start in: the slowest first, so that the last files to start are short and the two
 * workers finish together. Vitest orders by the durations of the previous run, but CI runs on a clean clone, which
 * has none: there it starts the largest files first, and a 40-60 s file small in size (the journal's crash test,
 * the live parity test) started among the last, with the other worker idle until it ended.
 */
import { relative } from "node:path"
import { BaseSequencer, type TestSpecification } from "vitest/node"

/**
 * The slowest files, slowest first (wall seconds of a clean-clone CI run with another process keeping a core busy);
 * a file not named here starts after them, in Vitest's order. A stale entry only costs some balance, not a test.
 */
const SLOWEST = [
  "test/live/AccountsCrash.test.ts", // 112
  "test/site/panel/Panel.test.ts", // 90
  "test/live/ExecutionService.test.ts", // 79
  "test/cli/Up.test.ts", // 78
  "test/live/Parity.test.ts", // 70
  "test/live/SessionCrash.test.ts", // 55
  "test/live/Session.test.ts", // 53
  "test/cli/Cli.test.ts", // 48
  "test/live/VenueConnectors.test.ts", // 39
  "test/research/ClusterSweep.test.ts", // 36
  "test/journal/JournalCrash.test.ts", // 36
  "test/research/LocalSweep.test.ts", // 35
  "test/live/AccountsService.test.ts", // 35
  "test/site/portal/PortalFlow.test.ts", // 35
  "core/db/internal/embeddedTemplate.test.ts", // 33
  "test/cli/StrategyPackages.test.ts", // 32
  "test/site/report/ReportPages.test.ts" // 28
]

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const sorted = await super.sort(files)
    const rank = (file: TestSpecification) => {
      const index = SLOWEST.indexOf(relative(file.project.config.root, file.moduleId).replaceAll("\\", "/"))
      return index === -1 ? SLOWEST.length : index
    }
    // Stable: the files not named keep Vitest's order.
    return sorted
      .map((file, at) => ({ file, at, rank: rank(file) }))
      .sort((a, b) => a.rank - b.rank || a.at - b.at)
      .map(({ file }) => file)
  }
}
