import { describe, expect, it } from "@effect/vitest"
import { findColumn, normalizeName, scanRows, splitFields } from "./csvRows"

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
    const problem = scanRows(
      "h1,h2\r\n1,2\r\n3,4\n5,6\n",
      (names) => {
        seen.push(`header ${names.join("|")}`)
        return undefined
      },
      (fields, line) => {
        seen.push(`${line}: ${fields.join("|")}`)
        return line === 3 ? { line, message: "stop" } : undefined
      }
    )
    expect(problem).toEqual({ line: 3, message: "stop" })
    expect(seen).toEqual(["header h1|h2", "2: 1|2", "3: 3|4"])
  })
})
