import { describe, expect, it } from "@effect/vitest"
import { Zone } from "../../domain/internal/zone"
import { TimestampParser } from "./timestampParser"

const us = (iso: string) => Date.parse(iso) * 1000
const inZone = (zone: string) => new TimestampParser(Zone.of(zone))
const utc = new TimestampParser(undefined)

describe("TimestampParser", () => {
  it("reads dates and date-times in UTC", () => {
    expect(utc.parse("2020-01-02", 0)).toBe(us("2020-01-02T00:00:00Z"))
    expect(utc.parse("2020-01-02T14:30:00", 0)).toBe(us("2020-01-02T14:30:00Z"))
    expect(utc.parse("2020-01-02 14:30", 0)).toBe(us("2020-01-02T14:30:00Z"))
    expect(utc.parse("2020-01-02 14:30:00.123456", 0)).toBe(us("2020-01-02T14:30:00Z") + 123_456)
    expect(utc.parse("2020-01-02 14:30:00.5", 0)).toBe(us("2020-01-02T14:30:00Z") + 500_000)
    expect(utc.parse("2020-01-02T14:30:00.123456000Z", 0)).toBe(us("2020-01-02T14:30:00Z") + 123_456)
    expect(utc.parse("2024-02-29", 0)).toBe(us("2024-02-29T00:00:00Z"))
  })

  it("applies an explicit offset whatever the zone", () => {
    const ny = inZone("America/New_York")
    expect(ny.parse("2020-01-02T14:30:00+01:00", 0)).toBe(us("2020-01-02T13:30:00Z"))
    expect(ny.parse("2020-01-02T14:30:00-0530", 0)).toBe(us("2020-01-02T20:00:00Z"))
    expect(ny.parse("2020-01-02T14:30:00+01", 0)).toBe(us("2020-01-02T13:30:00Z"))
    expect(ny.parse("2020-01-02T14:30:00Z", 0)).toBe(us("2020-01-02T14:30:00Z"))
    // The wall clock is the time as written, before its offset.
    expect(ny.wallUs).toBe(us("2020-01-02T14:30:00Z"))
  })

  it("puts a date without a zone at midnight of the parser's zone, in winter and summer", () => {
    const ny = inZone("America/New_York")
    expect(ny.parse("2020-01-02", 0)).toBe(us("2020-01-02T05:00:00Z")) // EST, UTC-5
    expect(ny.parse("2020-07-01", 0)).toBe(us("2020-07-01T04:00:00Z")) // EDT, UTC-4
    expect(inZone("Asia/Kolkata").parse("2020-01-02T09:15:00", 0)).toBe(us("2020-01-02T03:45:00Z")) // UTC+5:30
    expect(inZone("Australia/Sydney").parse("2020-01-02", 0)).toBe(us("2020-01-01T13:00:00Z")) // AEDT, UTC+11
    expect(inZone("Australia/Sydney").parse("2020-07-02", 0)).toBe(us("2020-07-01T14:00:00Z")) // AEST, UTC+10
  })

  it("moves a time skipped by the spring-forward gap forward by the gap", () => {
    // New York, 2020-03-08: at 02:00 EST clocks jump to 03:00 EDT (07:00Z).
    const ny = inZone("America/New_York")
    expect(ny.parse("2020-03-08T01:59:00", 0)).toBe(us("2020-03-08T06:59:00Z"))
    expect(ny.parse("2020-03-08T02:30:00", 0)).toBe(us("2020-03-08T07:30:00Z"))
    expect(ny.parse("2020-03-08T03:00:00", 0)).toBe(us("2020-03-08T07:00:00Z"))
  })

  it("reads the repeated fall-back hour as the earlier instant unless that goes backwards", () => {
    // New York, 2020-11-01: at 02:00 EDT (06:00Z) clocks go back to 01:00 EST; 01:00-01:59 occurs twice.
    const ny = inZone("America/New_York")
    const first = ny.parse("2020-11-01T01:10:00", 0)
    expect(first).toBe(us("2020-11-01T05:10:00Z"))
    const second = ny.parse("2020-11-01T01:50:00", first)
    expect(second).toBe(us("2020-11-01T05:50:00Z"))
    // 01:10 again after 01:50: EDT would go backwards, so EST.
    const third = ny.parse("2020-11-01T01:10:00", second)
    expect(third).toBe(us("2020-11-01T06:10:00Z"))
    expect(ny.parse("2020-11-01T01:50:00", third)).toBe(us("2020-11-01T06:50:00Z"))
    expect(ny.parse("2020-11-01T02:00:00", third)).toBe(us("2020-11-01T07:00:00Z"))
  })

  it("converts wall-clock times as Zone.toUtcUs does, through every change of offset of a year", () => {
    // Lord Howe moves by 30 minutes; Santiago's changes fall at midnight; Kolkata has none.
    for (const name of ["Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata"]) {
      const parser = inZone(name)
      const zone = Zone.of(name)!
      let previous = 0
      const differences: Array<string> = []
      for (let wall = us("2020-01-01T00:00:00Z"); wall < us("2021-01-01T00:00:00Z"); wall += 35 * 60_000_000) {
        // A sorted file's previous instant, and no constraint at all.
        for (const notBefore of [previous, 0]) {
          const ts = parser.instant(wall, undefined, notBefore)
          if (ts !== zone.toUtcUs(wall, notBefore)) differences.push(`${name} ${new Date(wall / 1000).toISOString()}`)
        }
        previous = zone.toUtcUs(wall, previous)
      }
      expect(differences).toEqual([])
    }
  })

  it("refuses malformed text, impossible dates and times, sub-microsecond digits and pre-1970 times", () => {
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      ["2020/01/02", /not an ISO date/],
      ["02.01.2020", /not an ISO date/],
      ["2020-1-2", /not an ISO date/],
      ["1577923200", /not an ISO date/],
      ["2021-02-29", /not a calendar date/],
      ["2020-13-01", /not a calendar date/],
      ["2020-04-31", /not a calendar date/],
      ["2020-01-02T24:00:00", /not a time of day/],
      ["2020-01-02T12:60:00", /not a time of day/],
      ["2020-01-02T12:00:00.123456789", /more precise than a microsecond/],
      ["2020-01-02T12:00:00+24:00", /not a UTC offset/],
      ["1969-12-31T23:59:59", /before 1970/]
    ]
    for (const [text, message] of cases) {
      expect(Number.isNaN(utc.parse(text, 0)), text).toBe(true)
      expect(utc.error).toMatch(message)
    }
  })
})
