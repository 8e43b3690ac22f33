/**
 * A file's bytes for the CSV readers, read piece by piece: a large file is never held whole, and the buffer is
 * reused, so reading costs the memory of one piece, not of the file.
 *
 * @since 0.1.0
 */
import { closeSync, openSync, readSync, statSync } from "node:fs"
import type { CsvBytes } from "./Csv"

const LF = 10
/** Large enough that a read call costs nothing next to parsing what it read. */
const PIECE_BYTES = 4 * 1024 * 1024

/**
 * `file` as chunks that each end with a line's `\n` (the last may not). Each chunk is a view of one buffer that the
 * next read overwrites; a line longer than the buffer grows it. Throws what `node:fs` throws.
 */
export const lineChunks = (file: string, pieceBytes = PIECE_BYTES): CsvBytes => ({
  byteLength: statSync(file).size,
  chunks: {
    *[Symbol.iterator]() {
      const fd = openSync(file, "r")
      try {
        let buffer = new Uint8Array(pieceBytes)
        let filled = 0
        for (;;) {
          if (filled === buffer.length) {
            const larger = new Uint8Array(buffer.length * 2)
            larger.set(buffer)
            buffer = larger
          }
          const read = readSync(fd, buffer, filled, buffer.length - filled, null)
          filled += read
          if (read === 0) {
            if (filled > 0) yield buffer.subarray(0, filled)
            return
          }
          const lastLine = buffer.lastIndexOf(LF, filled - 1) + 1
          if (lastLine === 0) continue
          yield buffer.subarray(0, lastLine)
          buffer.copyWithin(0, lastLine, filled)
          filled -= lastLine
        }
      } finally {
        closeSync(fd)
      }
    }
  }
})
