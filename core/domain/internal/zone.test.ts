import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { daysFromCivil, Zone } from "./zone"

const ms = (iso: string) => Date.parse(iso)
const us = (iso: string) => Date.parse(iso) * 1000
const zone = (name: string): Zone => {
  const found = Zone.of(name)
  if (found === undefined) throw new Error(`no zone ${name}`)
  return found
}
/** The wall-clock time `iso` (no offset) written as if it were UTC, in µs. */
const wall = (iso: string) => us(`${iso}Z`)

describe("daysFromCivil", () => {
  it("counts days from 1970-01-01, leap days and years below 100 included", () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0)
    expect(daysFromCivil(1969, 12, 31)).toBe(-1)
    // 30 years with 7 leap days = 10,957 days to 2000-01-01, then 31 + 29 days.
    expect(daysFromCivil(2000, 3, 1)).toBe(11_017)
    // Date.UTC would read year 50 as 1950; setUTCFullYear does not.
    const year50 = new Date(0)
    year50.setUTCFullYear(50, 0, 1)
    expect(daysFromCivil(50, 1, 1)).toBe(year50.getTime() / 86_400_000)
  })
})

describe("Zone", () => {
  it("does not know made-up zones", () => {
    expect(Zone.of("Mars/Olympus_Mons")).toBeUndefined()
  })

  it("shows the wall clock and offset of an instant", () => {
    // Kolkata is UTC+5:30 all year: 03:45Z is 09:15 there.
    const kolkata = zone("Asia/Kolkata")
    expect(kolkata.wallClock(ms("2020-01-02T03:45:07Z"))).toEqual({
      year: 2020,
      month: 1,
      day: 2,
      hour: 9,
      minute: 15,
      second: 7
    })
    expect(kolkata.offsetMs(ms("2020-01-02T03:45:07Z"))).toBe(19_800_000)
    // New York past midnight UTC is still the previous day: 2020-01-01T02:00Z = 2019-12-31 21:00 EST (UTC-5).
    const ny = zone("America/New_York")
    expect(ny.wallClock(ms("2020-01-01T02:00:00Z"))).toMatchObject({ year: 2019, month: 12, day: 31, hour: 21 })
    expect(ny.offsetMs(ms("2020-07-01T00:00:00Z"))).toBe(-14_400_000)
  })

  it("resolves Berlin's DST changes east of UTC", () => {
    const berlin = zone("Europe/Berlin")
    // 2020-03-29 at 01:00Z clocks jump from 02:00 CET to 03:00 CEST: 02:30 moves forward to 03:30 CEST = 01:30Z.
    expect(berlin.toUtcUs(wall("2020-03-29T02:30:00"), 0)).toBe(us("2020-03-29T01:30:00Z"))
    // 2020-10-25 at 01:00Z clocks go back from 03:00 CEST to 02:00 CET: 02:30 is 00:30Z (CEST), then 01:30Z (CET).
    expect(berlin.toUtcUs(wall("2020-10-25T02:30:00"), 0)).toBe(us("2020-10-25T00:30:00Z"))
    expect(berlin.toUtcUs(wall("2020-10-25T02:30:00"), us("2020-10-25T00:45:00Z"))).toBe(us("2020-10-25T01:30:00Z"))
    // Away from a change: 12:00 CET = 11:00Z.
    expect(berlin.toUtcUs(wall("2020-01-15T12:00:00"), 0)).toBe(us("2020-01-15T11:00:00Z"))
  })

  it("turns the wall clock of any instant back into that instant", () => {
    // Zones with 30-minute DST (Lord Howe), a 45-minute offset (Chatham), both hemispheres and none.
    const zones = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata"]
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.oneof(
          fc.integer({ min: ms("1990-01-01T00:00:00Z") / 1000, max: ms("2040-01-01T00:00:00Z") / 1000 }),
          // Within three hours of a change of New York, Berlin, Lord Howe (02:00 → 01:30) and Chatham.
          fc
            .constantFrom(
              "2020-11-01T06:00:00Z",
              "2020-10-25T01:00:00Z",
              "2020-04-04T15:00:00Z",
              "2020-04-04T14:00:00Z"
            )
            .chain((change) => fc.integer({ min: ms(change) / 1000 - 10_800, max: ms(change) / 1000 + 10_800 }))
        ),
        (name, seconds) => {
          const z = zone(name)
          const utcMs = seconds * 1000
          const wallUs = (utcMs + z.offsetMs(utcMs)) * 1000
          // With the instant itself as `notBefore`, a repeated wall time resolves to the occurrence it came from.
          expect(z.toUtcUs(wallUs, utcMs * 1000)).toBe(utcMs * 1000)
        }
      ),
      { numRuns: 200 }
    )
  })
})
