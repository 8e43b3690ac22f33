import { describe, expect, it } from "@effect/vitest"
import { HOLD_RECORDS, MAX_TAIL_RECORDS, TailingJournal } from "./tailingJournal"

/** A journal that keeps what it is given and makes it durable when told. */
const journal = () => {
  const records: Array<Uint8Array> = []
  let durable = 0
  const listeners: Array<(durable: number) => void> = []
  return {
    records,
    port: {
      append: (payload: Uint8Array) => records.push(payload),
      durable: () => durable,
      onDurable: (listener: (durable: number) => void) => listeners.push(listener)
    },
    makeDurable: () => {
      durable = records.length
      for (const listener of listeners) listener(durable)
    }
  }
}

const record = (n: number) => new Uint8Array([n])

describe("TailingJournal", () => {
  it("holds records before the journal gets them, and a tail carries them from the first not yet durable", () => {
    const inner = journal()
    const tailing = new TailingJournal(inner.port)
    expect([1, 2, 3].map((n) => tailing.append(record(n)))).toEqual([1, 2, 3])
    expect(inner.records).toEqual([])
    expect(tailing.tail(2)).toEqual({ first: 1, records: [record(1), record(2)] })

    tailing.flush()
    expect(inner.records).toEqual([record(1), record(2), record(3)])
    inner.makeDurable()
    expect(tailing.append(record(4))).toBe(4)
    expect(tailing.tail(4)).toEqual({ first: 4, records: [record(4)] })
    tailing.flush()
  })

  it("hands the journal a full hold at once", () => {
    const inner = journal()
    const tailing = new TailingJournal(inner.port)
    for (let n = 1; n <= HOLD_RECORDS; n++) tailing.append(record(n))
    expect(inner.records.length).toBe(HOLD_RECORDS)
    expect(tailing.tail(HOLD_RECORDS)?.records.length).toBe(HOLD_RECORDS)
  })

  it("hands the journal what it holds once a tail would pass its bounds (the command then waits for the fsync)", () => {
    const inner = journal()
    const tailing = new TailingJournal(inner.port)
    for (let n = 1; n <= MAX_TAIL_RECORDS + 1; n++) tailing.append(record(n))
    expect(inner.records.length).toBeLessThan(MAX_TAIL_RECORDS + 1)
    expect(tailing.tail(MAX_TAIL_RECORDS + 1)).toBeUndefined()
    expect(inner.records.length).toBe(MAX_TAIL_RECORDS + 1)
  })

  it("once closing, hands the journal what it holds and every later record at once", () => {
    const inner = journal()
    const tailing = new TailingJournal(inner.port)
    tailing.append(record(1))
    tailing.close()
    expect(inner.records).toEqual([record(1)])
    tailing.append(record(2))
    expect(inner.records).toEqual([record(1), record(2)])
  })

  it("hands the journal what it holds after a while without more", async () => {
    const inner = journal()
    const tailing = new TailingJournal(inner.port)
    tailing.append(record(1))
    // Bounded by count, not by a tight time: the timer may fire late on a loaded machine.
    for (let i = 0; i < 500 && inner.records.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(inner.records).toEqual([record(1)])
  })
})
