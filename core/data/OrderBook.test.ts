import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { InstrumentId } from "../domain/Ids"
import { BookBuilder } from "./Columns"
import { finalBooks, OrderBook } from "./OrderBook"

const ID = "BTC-USDT.BINANCE" as InstrumentId

/** Every level, best first, as [price, size]. */
const levels = (book: OrderBook) => ({
  bids: Array.from({ length: book.bidDepth }, (_, d) => [book.bidPrice(d), book.bidSize(d)]),
  asks: Array.from({ length: book.askDepth }, (_, d) => [book.askPrice(d), book.askSize(d)])
})

describe("OrderBook", () => {
  it("keeps each side best first through inserts, updates and deletes, past its initial capacity", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 300 }), fc.nat(5)), {
          maxLength: 400
        }),
        (changes) => {
          const book = new OrderBook(ID, 0)
          const model: ReadonlyArray<Map<number, number>> = [new Map(), new Map()]
          for (const [side, price, size] of changes) {
            book.set(side, price, size)
            if (size > 0) model[side]!.set(price, size)
            else model[side]!.delete(price)
          }
          const sorted = (side: 0 | 1) =>
            [...model[side]!].sort(([a], [b]) => (side === 0 ? b - a : a - b)).map(([p, s]) => [p, s])
          expect(levels(book)).toEqual({ bids: sorted(0), asks: sorted(1) })
        }
      )
    )
  })

  it("answers NaN and 0 past the last level, and clears", () => {
    const book = new OrderBook(ID, 3)
    book.set(0, 100, 5)
    book.set(1, 101, 7)
    expect([book.bidPrice(1), book.bidSize(1), book.askPrice(-1), book.askSize(9)]).toEqual([
      Number.NaN,
      0,
      Number.NaN,
      0
    ])
    book.clear()
    expect([book.bidDepth, book.askDepth, book.index, book.instrumentId]).toEqual([0, 0, 3, ID])
  })

  it("finalBooks applies the snapshot rule: a snapshot after deltas, or at another time, starts a new book", () => {
    const b = new BookBuilder()
    b.add(1, 0, 0, 100, 5, 1)
    b.add(1, 0, 1, 102, 5, 1)
    b.add(2, 0, 0, 99, 3, 0)
    b.add(3, 0, 1, 103, 4, 1) // after a delta: a new book with this ask only
    b.add(3, 0, 0, 101, 2, 1)
    b.add(3, 1, 0, 50, 1, 1) // another instrument's book
    b.add(4, 0, 1, 104, 6, 1) // a snapshot of another time: another new book
    const books = finalBooks(b.build(), (i) =>
      i === 0 ? ID : i === 1 ? ("ETH-USDT.BINANCE" as InstrumentId) : undefined
    )
    expect(levels(books.get(0)!)).toEqual({ bids: [], asks: [[104, 6]] })
    expect(books.get(0)!.ts).toBe(4)
    expect(levels(books.get(1)!)).toEqual({ bids: [[50, 1]], asks: [] })
  })
})
