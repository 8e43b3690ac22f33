import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { lineChunks } from "./LineChunks"

/** The chunks as text, each copied before the next read overwrites the buffer. */
const read = (text: string, pieceBytes: number) => {
  const file = join(mkdtempSync(join(tmpdir(), "meridian-chunks-")), "data.csv")
  writeFileSync(file, text)
  const source = lineChunks(file, pieceBytes)
  const chunks = Array.from(source.chunks, (chunk) => Buffer.from(chunk).toString("utf8"))
  return { byteLength: source.byteLength, chunks }
}

describe("lineChunks", () => {
  it("cuts a file at line ends, reusing a small buffer, and gives it back whole", () => {
    const text = Array.from({ length: 50 }, (_, i) => `2024-01-02T10:${String(i).padStart(2, "0")},${i}.5\n`).join("")
    const { byteLength, chunks } = read(text, 64)
    expect(byteLength).toBe(Buffer.byteLength(text))
    expect(chunks.join("")).toBe(text)
    expect(chunks.length).toBeGreaterThan(10)
    expect(chunks.every((chunk) => chunk.endsWith("\n"))).toBe(true)
  })

  it("grows for a line longer than its buffer, and keeps a last line without a newline", () => {
    const text = `h\n${"x".repeat(300)}\nlast`
    const { chunks } = read(text, 16)
    expect(chunks.join("")).toBe(text)
    expect(chunks.at(-1)).toBe("last")
  })

  it("gives nothing for an empty file", () => {
    expect(read("", 16)).toEqual({ byteLength: 0, chunks: [] })
  })
})
