/** The shard the Accounts crash test runs and kills, and recovers between kills: one account, one instrument. */
import type { AccountId, CurrencyCode } from "../../core/domain/Ids"
import type { ShardOptions } from "../../core/live/accounts/AccountsShard"
import { nodeJournalFiles } from "../../runtimes/node/NodeJournalFiles"
import { AAPL, currencies } from "../fixtures/instruments"

export const CRASH_ACCOUNT = "crash" as AccountId

export const crashShardOptions = (dir: string, now: () => number): ShardOptions => ({
  journal: { files: nodeJournalFiles, dir, segmentBytes: 256 * 1024 },
  accounts: [{ id: CRASH_ACCOUNT, name: "crash", kind: "margin", baseCurrency: "USD" as CurrencyCode }],
  instruments: [AAPL],
  currencies,
  now
})
