/**
 * A bar file read by a worker thread while the backtest replays it: the worker runs the bulk scan of plain bars
 * (`scanPlainBars`, from its source text) over the file into columns in shared memory, publishing the rows it has
 * read; the replay waits only when it catches up. On two cores the read costs the replay nothing but its first rows.
 *
 * A stream is a speculation: the period of the bars is taken from the smallest gap in the first rows, and any row
 * the scan does not take (quoted, an offset, a problem to word) ends it early. `finish` then says so, and the file
 * is read by `readBarsCsv` as before: the result is always what `readBarsCsv` gives.
 *
 * @since 0.1.0
 */
import { closeSync, openSync, readSync, statSync } from "node:fs"
import { Worker } from "node:worker_threads"
import type { BarColumns } from "./Columns"
import { type BarCsvOptions, plainBarsPeriodUs, plainBarsScanOf } from "./Csv"
import { FIRST_ROWS, type PlainBarScan, scanPlainBars } from "./internal/plainBars"

/** Bytes read for the header line; a file whose header and first row are longer is not streamed. */
const HEAD_BYTES = 64 * 1024
/** Bytes the worker reads at a time. */
const PIECE_BYTES = 1024 * 1024
/** Rows the worker publishes at a time: the replay's first bars wait for no more than these. */
const BATCH_ROWS = 8192
/** How long a wait for rows lasts before the stream is given up (a worker that died publishes nothing). */
const STALL_MS = 10_000

/**
 * `control` slots: rows read; the state (running, done at the end of the file, or 2: stopped before a row the scan
 * does not take or by an error); and a count of publications, which the reader waits on.
 */
const READY = 0
const STATE = 1
const SEQUENCE = 2
const RUNNING = 0
const DONE = 1

/** What the worker is given: the file, where its rows start, the scan's state over the shared columns. */
interface WorkerData {
  readonly file: string
  readonly from: number
  readonly state: PlainBarScan
  readonly control: Int32Array
  readonly gap: Float64Array
  readonly pieceBytes: number
  readonly batchRows: number
  readonly firstRows: number
}

/**
 * The worker's program, run from its source text with `scanPlainBars` (no closure reaches across threads): reads
 * `file` from `from` in pieces of whole lines, scans them in batches into the shared columns and publishes each.
 */
function readInWorker(
  scan: typeof scanPlainBars,
  workerData: WorkerData,
  fs: Pick<typeof import("node:fs"), "openSync" | "readSync" | "closeSync">
): void {
  const { file, from, state: s, control, gap, pieceBytes, batchRows, firstRows } = workerData
  let outcome = 2
  let fd = -1
  try {
    fd = fs.openSync(file, "r")
    let buffer = new Uint8Array(pieceBytes)
    let filled = 0
    let position = from
    reading: for (;;) {
      if (filled === buffer.length) {
        const larger = new Uint8Array(buffer.length * 2)
        larger.set(buffer)
        buffer = larger
      }
      const read = fs.readSync(fd, buffer, filled, buffer.length - filled, position)
      position += read
      filled += read
      const end = read === 0 ? filled : buffer.lastIndexOf(10, filled - 1) + 1
      if (end === 0 && read !== 0) continue
      const bytes = buffer.subarray(0, end)
      let at = 0
      while (at < end) {
        const before = s.n
        const maxRows = before === 0 ? firstRows : batchRows
        at = scan(bytes, at, s, maxRows)
        gap[0] = s.minGap
        Atomics.store(control, 0, s.n)
        Atomics.add(control, 2, 1)
        Atomics.notify(control, 2)
        // Stopped before a row it does not take, or out of room: the file is for the row-by-row reader.
        if (at < end && s.n - before < maxRows) break reading
      }
      if (read === 0) {
        outcome = 1
        break
      }
      buffer.copyWithin(0, end, filled)
      filled -= end
    }
  } catch {
    outcome = 2
  }
  if (fd >= 0) fs.closeSync(fd)
  Atomics.store(control, 1, outcome)
  Atomics.add(control, 2, 1)
  Atomics.notify(control, 2)
}

/**
 * The worker's script: the two functions' source texts (a bundler may rename them: each is called as an
 * expression; and it rewrites a `require` in them, so the modules are required here), and anything they throw
 * reported as a stop, so that the reader never waits on a worker that failed.
 */
const WORKER_SOURCE = `const { workerData } = require("node:worker_threads")
const { control } = workerData
try {
  (${readInWorker.toString()})(${scanPlainBars.toString()}, workerData, require("node:fs"))
} catch {
  Atomics.store(control, ${STATE}, 2)
  Atomics.add(control, ${SEQUENCE}, 1)
  Atomics.notify(control, ${SEQUENCE})
}`

/** A shared column of `rows` doubles. */
const shared64 = (rows: number) => new Float64Array(new SharedArrayBuffer(rows * 8))

/** The header line and where the rows start, from the file's first bytes; undefined when no line ends there. */
const head = (file: string): { readonly header: string; readonly rowsStart: number; readonly rowBytes: number } => {
  const fd = openSync(file, "r")
  try {
    const bytes = new Uint8Array(HEAD_BYTES)
    const read = readSync(fd, bytes, 0, HEAD_BYTES, 0)
    const newline = bytes.subarray(0, read).indexOf(10)
    const next = newline < 0 ? -1 : bytes.subarray(0, read).indexOf(10, newline + 1)
    if (next < 0) return { header: "", rowsStart: -1, rowBytes: 0 }
    const end = newline > 0 && bytes[newline - 1] === 13 ? newline - 1 : newline
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0
    return {
      header: new TextDecoder().decode(bytes.subarray(start, end)),
      rowsStart: newline + 1,
      rowBytes: next - newline
    }
  } finally {
    closeSync(fd)
  }
}

export class BarStream {
  private readonly control: Int32Array
  private readonly gap: Float64Array
  private readonly worker: Worker
  /** The period the replay uses, from the first rows; NaN until they are read. */
  private periodUs = Number.NaN
  /** Rows whose period is written. */
  private filled = 0
  /** Whether the stream was given up: it then has no more rows, and `finish` nothing. */
  private givenUp = false

  private constructor(
    /** The columns as the rows arrive, as long as their capacity: a row is there once `waitFor` counted it. */
    readonly columns: BarColumns,
    /** About the rows the file holds, for progress. */
    readonly expectedRows: number,
    file: string,
    rowsStart: number,
    state: PlainBarScan
  ) {
    this.control = new Int32Array(new SharedArrayBuffer(3 * 4))
    this.gap = shared64(1)
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file,
        from: rowsStart,
        state,
        control: this.control,
        gap: this.gap,
        pieceBytes: PIECE_BYTES,
        batchRows: BATCH_ROWS,
        firstRows: FIRST_ROWS
      } satisfies WorkerData
    })
    // It ends once it has read the file; it never keeps the process alive. What goes wrong in it is a stop (see
    // WORKER_SOURCE), or a stall `waitFor` gives up on.
    this.worker.unref()
    this.worker.on("error", () => undefined)
  }

  /**
   * A stream of `file`'s bars read as `options` say, or undefined when the file is not one the bulk scan reads
   * (see `plainBarsScanOf`): read it with `readBarsCsv`. Throws what `node:fs` throws.
   */
  static start(file: string, options: BarCsvOptions): BarStream | undefined {
    const { header, rowsStart, rowBytes } = head(file)
    if (rowsStart < 0) return undefined
    const state = plainBarsScanOf(header, options)
    if (state === undefined) return undefined
    const bytes = statSync(file).size - rowsStart
    // Rows about as long as the first, with room for rows down to half its length: capacity never written is never
    // backed by memory. A file of shorter rows runs out of room and is read by `readBarsCsv`.
    const expectedRows = Math.ceil(bytes / rowBytes)
    const capacity = Math.ceil((2 * bytes) / rowBytes) + 2
    const columns: BarColumns = {
      kind: "bar",
      length: capacity,
      ts: shared64(capacity),
      instrument: new Uint32Array(new SharedArrayBuffer(capacity * 4)),
      periodUs: new Float64Array(capacity),
      open: shared64(capacity),
      high: shared64(capacity),
      low: shared64(capacity),
      close: shared64(capacity),
      volume: shared64(capacity)
    }
    state.ts = columns.ts
    state.instruments = columns.instrument
    state.opens = columns.open
    state.highs = columns.high
    state.lows = columns.low
    state.closes = columns.close
    state.volumes = columns.volume
    return new BarStream(columns, expectedRows, file, rowsStart, state)
  }

  /**
   * Waits until more than `row` rows are read or the reading ended; returns the rows read (with their period
   * written). The first call takes the period from the first batch of rows; 0 when it cannot (the stream is then
   * given up: see `finish`).
   */
  waitFor(row: number): number {
    const control = this.control
    for (;;) {
      if (this.givenUp) return 0
      const sequence = Atomics.load(control, SEQUENCE)
      const ready = Atomics.load(control, READY)
      const ended = Atomics.load(control, STATE) !== RUNNING
      // The first rows tell the period: a whole batch of them, unless the file ends first.
      const guessing = Number.isNaN(this.periodUs)
      if (ended || (guessing ? ready >= FIRST_ROWS + BATCH_ROWS : ready > row)) {
        if (guessing) this.periodUs = plainBarsPeriodUs(ready, this.gap[0]!) ?? Number.NaN
        if (Number.isNaN(this.periodUs)) return this.giveUp()
        if (ready > this.filled) {
          this.columns.periodUs.fill(this.periodUs, this.filled, ready)
          this.filled = ready
        }
        if (ended || ready > row) return ready
      } else if (Atomics.wait(control, SEQUENCE, sequence, STALL_MS) === "timed-out") {
        return this.giveUp()
      }
    }
  }

  /**
   * Waits for the end of the reading: the file's bars, as `readBarsCsv` reads them, or undefined when the stream
   * was given up (a row the scan did not take, a period other than the first rows', a worker that stalled): read
   * the file with `readBarsCsv`.
   */
  finish(): BarColumns | undefined {
    const n = this.waitFor(Number.MAX_SAFE_INTEGER)
    if (this.givenUp || Atomics.load(this.control, STATE) !== DONE) return undefined
    if (plainBarsPeriodUs(n, this.gap[0]!) !== this.periodUs) return undefined
    const c = this.columns
    return {
      kind: "bar",
      length: n,
      ts: c.ts.subarray(0, n),
      instrument: c.instrument.subarray(0, n),
      periodUs: c.periodUs.subarray(0, n),
      open: c.open.subarray(0, n),
      high: c.high.subarray(0, n),
      low: c.low.subarray(0, n),
      close: c.close.subarray(0, n),
      volume: c.volume.subarray(0, n)
    }
  }

  private giveUp(): number {
    this.givenUp = true
    this.close()
    return 0
  }

  /** Stops the worker, if it still runs (a replay that failed does not wait for the rest of the file). */
  close(): void {
    void this.worker.terminate()
  }
}
