/**
 * The file port the journal is written against: the few operations a write-ahead log needs, with the durability
 * each one promises. `runtimes/` implements it for each platform, so the journal itself never imports `node:fs`.
 *
 * @since 0.1.0
 */

/** A file open for appending: writes go to its end, `sync` makes them durable. */
export interface AppendFile {
  /** Bytes in the file, counting every write so far. */
  readonly size: number
  /**
   * Append all of `bytes` (partial writes are continued, never reported as done). An implementation may copy them
   * into the operating system's cache before it returns (the Node one does): only `sync` waits for the disk.
   */
  readonly write: (bytes: Uint8Array) => Promise<void>
  /** Make every write so far durable (fdatasync): once it resolves, a crash keeps them. */
  readonly sync: () => Promise<void>
  readonly close: () => Promise<void>
}

/** A file open for reading at any position. */
export interface ReadFile {
  readonly size: number
  /** Read up to `length` bytes at `position` into `into` from `offset`; resolves with the bytes read. */
  readonly read: (into: Uint8Array, offset: number, length: number, position: number) => Promise<number>
  readonly close: () => Promise<void>
}

export interface JournalFiles {
  /** Create the folder and its parents if missing. */
  readonly makeDir: (dir: string) => Promise<void>
  /** The names of the files in a folder. */
  readonly list: (dir: string) => Promise<ReadonlyArray<string>>
  /** A whole (small) file. */
  readonly read: (path: string) => Promise<Uint8Array>
  /** Open a file to read it in pieces (a segment, read into one reused buffer). */
  readonly openRead: (path: string) => Promise<ReadFile>
  /** Open a file for appending, creating it if missing. */
  readonly append: (path: string) => Promise<AppendFile>
  /** Cut a file to `size` bytes, durably. */
  readonly truncate: (path: string, size: number) => Promise<void>
  readonly remove: (path: string) => Promise<void>
  /** Write a whole file so that a crash leaves either its old content or all of the new (temp, sync, rename). */
  readonly replace: (path: string, bytes: Uint8Array) => Promise<void>
  /** Make the folder's entries (files created, renamed, removed) durable. */
  readonly syncDir: (dir: string) => Promise<void>
}
