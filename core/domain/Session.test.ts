import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { AAPL, BTCUSDT, ES } from "../../test/fixtures/instruments"
import { isInSession, nextUtcMidnight, sessionClose, sessionOpen } from "./Session"

const us = (iso: string): number => Date.parse(iso) * 1000

describe("isInSession", () => {
  it("follows New York equity hours in winter (UTC-5) and summer (UTC-4)", () => {
    // Tue 2024-01-09: 09:30 New York = 14:30Z, 16:00 = 21:00Z.
    expect(isInSession(AAPL, us("2024-01-09T14:29:59Z"))).toBe(false)
    expect(isInSession(AAPL, us("2024-01-09T14:30:00Z"))).toBe(true)
    expect(isInSession(AAPL, us("2024-01-09T20:59:59Z"))).toBe(true)
    expect(isInSession(AAPL, us("2024-01-09T21:00:00Z"))).toBe(false)
    // Tue 2024-07-09 (daylight time): 09:30 = 13:30Z.
    expect(isInSession(AAPL, us("2024-07-09T13:30:00Z"))).toBe(true)
    expect(isInSession(AAPL, us("2024-07-09T20:30:00Z"))).toBe(false)
    // Saturday.
    expect(isInSession(AAPL, us("2024-01-13T15:00:00Z"))).toBe(false)
  })

  it("runs an overnight futures session into the next day", () => {
    // ES: Sun–Thu 17:00 → next day 16:00 Chicago (UTC-6 in January).
    expect(isInSession(ES, us("2024-01-07T23:00:00Z"))).toBe(true) // Sun 17:00 CST
    expect(isInSession(ES, us("2024-01-07T22:59:00Z"))).toBe(false) // Sun 16:59
    expect(isInSession(ES, us("2024-01-08T21:30:00Z"))).toBe(true) // Mon 15:30, Sunday's session
    expect(isInSession(ES, us("2024-01-08T22:30:00Z"))).toBe(false) // Mon 16:30, maintenance break
    expect(isInSession(ES, us("2024-01-12T21:59:00Z"))).toBe(true) // Fri 15:59, Thursday's session
    expect(isInSession(ES, us("2024-01-12T23:30:00Z"))).toBe(false) // Fri 17:30: no Friday session
    expect(isInSession(ES, us("2024-01-13T18:00:00Z"))).toBe(false) // Saturday
  })

  it("treats an instrument without sessions as always open", () => {
    expect(isInSession(BTCUSDT, us("2024-01-13T03:00:00Z"))).toBe(true)
  })
})

describe("sessionClose", () => {
  it("is the close of the current session, or of the next one", () => {
    expect(sessionClose(AAPL, us("2024-01-09T15:00:00Z"))).toBe(us("2024-01-09T21:00:00Z"))
    // After the close: the next day's session.
    expect(sessionClose(AAPL, us("2024-01-09T21:00:00Z"))).toBe(us("2024-01-10T21:00:00Z"))
    // Friday evening → Monday.
    expect(sessionClose(AAPL, us("2024-01-12T22:00:00Z"))).toBe(us("2024-01-15T21:00:00Z"))
  })

  it("crosses the DST change of New York", () => {
    // Fri 2024-03-08 close is 21:00Z (EST); Mon 2024-03-11 close is 20:00Z (EDT since Sunday 03-10).
    expect(sessionClose(AAPL, us("2024-03-08T21:30:00Z"))).toBe(us("2024-03-11T20:00:00Z"))
  })

  it("ends an overnight session on the following day", () => {
    // Sun 2024-01-07 18:00 CST → Mon 16:00 CST = 22:00Z.
    expect(sessionClose(ES, us("2024-01-08T00:00:00Z"))).toBe(us("2024-01-08T22:00:00Z"))
    // Friday after the close → the Sunday session, which closes Monday.
    expect(sessionClose(ES, us("2024-01-12T23:00:00Z"))).toBe(us("2024-01-15T22:00:00Z"))
    // Summer (CDT, UTC-5): Tue 2024-07-09 10:00 CDT → 16:00 CDT = 21:00Z.
    expect(sessionClose(ES, us("2024-07-09T15:00:00Z"))).toBe(us("2024-07-09T21:00:00Z"))
  })

  it("is undefined around the clock", () => {
    expect(sessionClose(BTCUSDT, us("2024-01-09T15:00:00Z"))).toBeUndefined()
    expect(nextUtcMidnight(us("2024-01-09T15:00:00Z"))).toBe(us("2024-01-10T00:00:00Z"))
  })

  it("is always after ts, in session just before it and out of session at it", () => {
    fc.assert(
      fc.property(fc.integer({ min: us("2020-01-01T00:00:00Z"), max: us("2030-01-01T00:00:00Z") }), (ts) => {
        for (const instrument of [AAPL, ES]) {
          const close = sessionClose(instrument, ts)!
          expect(close).toBeGreaterThan(ts)
          // Just before its close an instrument is always in session.
          expect(isInSession(instrument, close - 1)).toBe(true)
          expect(isInSession(instrument, close)).toBe(false)
        }
      }),
      { numRuns: 100 }
    )
  })
})

describe("sessionOpen", () => {
  it("is the open of the next session, or ts itself at an open", () => {
    // Tue 2024-01-09 10:00 New York: the next open is Wednesday's 09:30 (14:30Z).
    expect(sessionOpen(AAPL, us("2024-01-09T15:00:00Z"))).toBe(us("2024-01-10T14:30:00Z"))
    expect(sessionOpen(AAPL, us("2024-01-09T14:30:00Z"))).toBe(us("2024-01-09T14:30:00Z"))
    expect(sessionOpen(AAPL, us("2024-01-09T05:00:00Z"))).toBe(us("2024-01-09T14:30:00Z"))
    // Friday after the close: Monday's open.
    expect(sessionOpen(AAPL, us("2024-01-12T22:00:00Z"))).toBe(us("2024-01-15T14:30:00Z"))
    // ES: Friday afternoon, the next session opens Sunday 17:00 Chicago (23:00Z).
    expect(sessionOpen(ES, us("2024-01-12T20:00:00Z"))).toBe(us("2024-01-14T23:00:00Z"))
    // Daylight time: 09:30 New York = 13:30Z.
    expect(sessionOpen(AAPL, us("2024-07-09T12:00:00Z"))).toBe(us("2024-07-09T13:30:00Z"))
    expect(sessionOpen(BTCUSDT, us("2024-01-09T15:00:00Z"))).toBeUndefined()
  })

  it("is never before ts, in session at it and out of session just before it", () => {
    fc.assert(
      fc.property(fc.integer({ min: us("2020-01-01T00:00:00Z"), max: us("2030-01-01T00:00:00Z") }), (ts) => {
        for (const instrument of [AAPL, ES]) {
          const open = sessionOpen(instrument, ts)!
          expect(open).toBeGreaterThanOrEqual(ts)
          expect(open - ts).toBeLessThan(4 * 86_400_000_000)
          expect(isInSession(instrument, open)).toBe(true)
          expect(isInSession(instrument, open - 1)).toBe(false)
        }
      }),
      { numRuns: 100 }
    )
  })
})
