/**
 * The journal's file port over `node:fs`, which Bun and Deno implement as well. Durability comes from
 * `fdatasync` for appended data and from fsyncing the folder for files created, renamed or removed.
 *
 * @since 0.1.0
 */
import { writeSync } from "node:fs"
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises"
import { dirname } from "node:path"
import type { AppendFile, JournalFiles, ReadFile } from "../../core/journal/JournalFiles"

/** Open `path`, let `change` act on it, make that durable, close it whatever happened. */
const durably = async (path: string, flags: string, change: (handle: FileHandle) => Promise<void>): Promise<void> => {
  const handle = await open(path, flags)
  try {
    await change(handle)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

const syncDir = (dir: string): Promise<void> => durably(dir, "r", async () => undefined)

const append = async (path: string): Promise<AppendFile> => {
  const handle = await open(path, "a")
  let size = (await handle.stat()).size
  return {
    get size() {
      return size
    },
    // Copied into the page cache on the calling thread (microseconds for a batch): a group commit then costs one
    // trip through the thread pool, its fdatasync, instead of two, and on a busy machine each trip is a wake-up.
    write: async (bytes) => {
      let written = 0
      while (written < bytes.length) written += writeSync(handle.fd, bytes, written, bytes.length - written)
      size += bytes.length
    },
    sync: () => handle.datasync(),
    close: () => handle.close()
  }
}

const openRead = async (path: string): Promise<ReadFile> => {
  const handle = await open(path, "r")
  const { size } = await handle.stat()
  return {
    size,
    read: async (into, offset, length, position) => (await handle.read(into, offset, length, position)).bytesRead,
    close: () => handle.close()
  }
}

export const nodeJournalFiles: JournalFiles = {
  makeDir: async (dir) => {
    await mkdir(dir, { recursive: true })
  },
  list: (dir) => readdir(dir),
  read: (path) => readFile(path),
  openRead,
  append,
  truncate: (path, size) => durably(path, "r+", (handle) => handle.truncate(size)),
  remove: (path) => rm(path, { force: true }),
  replace: async (path, bytes) => {
    const temporary = `${path}.${process.pid}.tmp`
    await durably(temporary, "w", (handle) => handle.writeFile(bytes))
    await rename(temporary, path)
    await syncDir(dirname(path))
  },
  syncDir
}
