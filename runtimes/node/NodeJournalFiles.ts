/**
 * The journal's file port over `node:fs`, which Bun and Deno implement as well. Durability comes from
 * `fdatasync` for appended data and from fsyncing the folder for files created, renamed or removed.
 *
 * @since 0.1.0
 */
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises"
import { dirname } from "node:path"
import type { AppendFile, JournalFiles, ReadFile } from "../../core/journal/JournalFiles"

const syncDir = async (dir: string): Promise<void> => {
  const handle = await open(dir, "r")
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

const append = async (path: string): Promise<AppendFile> => {
  const handle = await open(path, "a")
  let size = (await handle.stat()).size
  return {
    get size() {
      return size
    },
    write: async (bytes) => {
      let written = 0
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written)
        written += bytesWritten
      }
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
  truncate: async (path, size) => {
    const handle = await open(path, "r+")
    try {
      await handle.truncate(size)
      await handle.sync()
    } finally {
      await handle.close()
    }
  },
  remove: (path) => rm(path, { force: true }),
  replace: async (path, bytes) => {
    const temporary = `${path}.${process.pid}.tmp`
    const handle = await open(temporary, "w")
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, path)
    await syncDir(dirname(path))
  },
  syncDir
}
