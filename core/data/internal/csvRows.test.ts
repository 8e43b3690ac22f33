import { describe, expect, it } from "@effect/vitest"
import {
  chunked,
  estimateRows,
  findColumn,
  normalizeName,
  type PlainReader,
  scanRows,
  splitFields,
  toBytes
} from "./csvRows"

describe("csvRows", () => {
  it("normalizes header names and finds the first synonym present", () => {
    expect(["Adj Close", "bid_size", " Date ", "ASK-PRICE"].map(normalizeName)).toEqual([
      "adjclose",
      "bidsize",
      "date",
      "askprice"
    ])
    expect(findColumn(["Date", "Time", "Close"], ["timestamp", "time", "date"])).toBe(1)
    expect(findColumn(["Adj Close"], ["close"])).toBe(-1)
  })

  it("splits quoted fields, with doubled quotes and commas inside", () => {
    expect(splitFields('a, "b,c" ,"say ""hi""",')).toEqual(["a", "b,c", 'say "hi"', ""])
    expect(splitFields('"a"x,b')).toBe("text after a closing quote")
    expect(splitFields('a"b,c')).toBe("a quote inside an unquoted field")
    expect(splitFields('"ab,c')).toBe("a quoted field is not closed")
  })

  it("passes header and rows with their 1-based line numbers and stops at the first problem", () => {
    const seen: Array<string> = []
    // Reads a row of two digits "d,d" straight from the bytes; anything else is split into fields.
    const digits: PlainReader = {
      read: (bytes, start, row) => {
        const digit = (i: number) => (bytes[i]! >= 48 && bytes[i]! <= 57 ? bytes[i]! - 48 : Number.NaN)
        row.values[0] = digit(start)
        row.values[1] = digit(start + 2)
        const end = start + 3
        const ends = end === bytes.length || bytes[end] === 10
        return bytes[start + 1] === 44 && ends && !Number.isNaN(row.values[0]! + row.values[1]!) ? end : -1
      }
    }
    const problem = scanRows([toBytes("\uFEFFh1,h2\r\n1,2\r\n3,4\n5,6\n")], (names) => {
      seen.push(`header ${names.join("|")}`)
      return {
        plain: digits,
        onRow: (row, line) => {
          const values = row.plain ? `plain ${row.values.join("|")}` : "split"
          seen.push(`${line}: ${row.text(0)}|${row.text(1)} ${values}`)
          return line === 3 ? { line, message: "stop" } : undefined
        }
      }
    })
    expect(problem).toEqual({ line: 3, message: "stop" })
    // The CRLF row is not plain to this reader: it is split, with the same text.
    expect(seen).toEqual(["header h1|h2", "2: 1|2 split", "3: 3|4 plain 3|4"])
  })

  it("refuses a blank line before the end and a row of another width, plain or not", () => {
    const handler = { plain: { read: () => -1 }, onRow: () => undefined }
    const scan = (text: string) => scanRows([toBytes(text)], () => handler)
    expect(scan("h1,h2\n1,2\n\n3,4\n")).toEqual({ line: 3, message: "blank line before the end of the file" })
    expect(scan("h1,h2\n1,2\n \r\n\n")).toBeUndefined()
    expect(scan("h1,h2\n1,2,3\n")).toEqual({ line: 2, message: "expected 2 columns, found 3" })
    expect(scan("\r\n\r\n")).toEqual({ line: 1, message: "the file has no header line" })
    expect(scan("")).toEqual({ line: 1, message: "the file has no header line" })
  })

  it("estimates at least the rows of a file whose rows are about as long as its first", () => {
    const rows = ["2020-01-02,1.5", "2020-01-03,10.25", "2020-01-06,9.5"]
    const text = `date,price\n${rows.join("\n").repeat(1).concat("\n").repeat(100)}`
    expect(estimateRows(chunked(text))).toBeGreaterThanOrEqual(300)
    expect(estimateRows(chunked(text))).toBeLessThan(450)
    expect(estimateRows(chunked("a,b"))).toBe(0)
    expect(estimateRows(chunked(""))).toBe(0)
  })
})
