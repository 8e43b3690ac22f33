/**
 * Parsed CSV market data kept for the life of a worker process: the jobs of a sweep replay the same file with other
 * parameters, and parsing it again for each job was a third of a minute-bar job's CPU (2.6 MB, 50,000 bars: about
 * 20 ms of 60) and most of what it allocated — memory traffic that two workers running at once on two cores slow
 * each other with. The file is read once per worker and the columns shared by its jobs, which only read them (a
 * job's `--from`/`--to` copies the rows in its range).
 *
 * An entry is found by the file's path and identity on disk (device, inode, size, modification time), so a file
 * written again is read again, and by every option the columns depend on (the instrument's index, tick and lot
 * sizes, the zone, the bar period, the rounding). The cache holds at most `maxBytes` of columns, the least recently
 * used dropped first; a file that cannot be read or parsed is not kept.
 *
 * @since 0.1.0
 */
import { statSync } from "node:fs"
import { Either } from "effect"
import { type ReadCsv, readCsvFile } from "../backtest/BacktestJob"
import type { Columns } from "../data/Columns"
import type { BarCsvOptions } from "../data/Csv"

/**
 * What a worker keeps by default: the columns of a 1,000,000-bar file are about 57 MB.
 *
 * @since 0.1.0
 */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024

/** Bytes of the columns' arrays. */
const sizeOf = (columns: Columns): number => {
  let bytes = 0
  for (const value of Object.values(columns)) if (ArrayBuffer.isView(value)) bytes += value.byteLength
  return bytes
}

/** The file's identity on disk and the options the columns depend on (`file` is the key's first part). */
const keyOf = (file: string, options: BarCsvOptions): string => {
  const stat = statSync(file, { bigint: true })
  const { instrument, index } = options.spec
  return [
    file,
    stat.dev,
    stat.ino,
    stat.size,
    stat.mtimeNs,
    index,
    instrument.tickSize,
    instrument.lotSize,
    options.timezone ?? "",
    options.period ?? "",
    options.rounding ?? ""
  ].join("\u0000")
}

/**
 * `read`, with what it parsed kept (up to `maxBytes`) and handed out again for the same file and options. The
 * columns handed out are shared: callers must not write to them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cachedCsvReader = (read: ReadCsv = readCsvFile, maxBytes = DEFAULT_MAX_BYTES): ReadCsv => {
  // In order of use, the least recent first (a Map iterates in insertion order).
  const entries = new Map<string, { readonly columns: Columns; readonly bytes: number }>()
  let held = 0
  return (file, options) => {
    const key = keyOf(file, options)
    const hit = entries.get(key)
    if (hit !== undefined) {
      entries.delete(key)
      entries.set(key, hit)
      return Either.right(hit.columns)
    }
    const result = read(file, options)
    if (Either.isLeft(result)) return result
    const bytes = sizeOf(result.right)
    if (bytes > maxBytes) return result
    for (const [old, entry] of entries) {
      if (held + bytes <= maxBytes) break
      entries.delete(old)
      held -= entry.bytes
    }
    entries.set(key, { columns: result.right, bytes })
    held += bytes
    return result
  }
}
