/**
 * The process the crash test kills: it recovers the journal in the folder it is given, checking every record, then
 * appends a burst of records every millisecond for ever and prints each durable sequence on stdout (a pipe: written synchronously).
 */
import { Effect } from "effect"
import { open } from "../../core/journal/Journal"
import { nodeJournalFiles } from "../../runtimes/node/NodeJournalFiles"
import { crashRecord, sameBytes } from "./crashRecord"

const dir = process.argv[2]!
const program = Effect.gen(function* () {
  const journal = yield* open({ files: nodeJournalFiles, dir, segmentBytes: 64 * 1024 }, (seq, payload) => {
    if (!sameBytes(payload, crashRecord(seq))) throw new Error(`record ${seq} is not what was written`)
  })
  journal.onDurable((durable) => process.stdout.write(`${durable}\n`))
  let next = journal.recovered.lastSeq + 1
  let burst = 1
  const write = () => {
    burst = (burst * 7 + 3) % 150
    for (let i = 0; i <= burst; i++) {
      if (journal.append(crashRecord(next)) !== next) throw new Error(`record ${next} got another sequence`)
      next++
    }
    setTimeout(write, 1)
  }
  write()
  yield* Effect.never
})
Effect.runPromise(Effect.scoped(program)).catch((error) => {
  process.stderr.write(`${error}\n`)
  process.exit(1)
})
