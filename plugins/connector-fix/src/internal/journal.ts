/**
 * The connector's store file: an append-only journal of one FIX session (JSON lines, written synchronously, so a
 * `kill -9` loses nothing the process had written). It holds
 *
 * - `reserve`: outgoing sequence numbers are reserved in blocks before use, so a restart never reuses a number the
 *   venue may have seen (it logs on above it; the venue asks for the gap and gets resends and a gap fill);
 * - `sent`: each application message under its sequence number, for resends with PossDupFlag=Y;
 * - `order`: the sent-order ledger, written before the NewOrderSingle goes out: a command replayed after a crash
 *   finds its order here and is not sent again; an order whose message never reached the store goes out again
 *   once with PossResend=Y, which the venue matches by ClOrdID;
 * - `clordid`: each ClOrdID a cancel or replace used, tied to its order;
 * - `in`: each processed application message from the venue with its ExecID and the first number not yet received
 *   then, written after the handler saw it: a restart asks the venue to resend from there, drops the messages above
 *   it that it already processed, and drops ExecIDs it already delivered.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs"
import type { Order } from "@meridian/core/domain/Order"

/** A message's fields as jspurefix encodes them. */
export type Fields = Record<string, unknown>

/** The fields that are timestamps, as JSON gives them back (strings) turned into the `Date`s the encoder wants. */
const revive = (fields: Fields): Fields => {
  const out: Fields = { ...fields }
  for (const key of ["TransactTime", "ExpireTime"]) if (typeof out[key] === "string") out[key] = new Date(out[key])
  return out
}

export interface LedgerOrder {
  /** The ClOrdID of the NewOrderSingle. */
  readonly clOrdId: string
  readonly order: Order
}

type Entry =
  | { readonly k: "reserve"; readonly upTo: number }
  | { readonly k: "sent"; readonly seq: number; readonly type: string; readonly fields: Fields }
  | ({ readonly k: "order" } & LedgerOrder)
  | { readonly k: "clordid"; readonly clOrdId: string; readonly orderId: string }
  | { readonly k: "in"; readonly seq: number; readonly next?: number; readonly execId?: string }

/** How many sequence numbers one `reserve` entry covers: one journal write per block, not per message. */
const BLOCK = 256

export class Journal {
  private readonly fd: number
  /** Numbers below this may have been used. */
  private reservedUpTo = 1
  lastSent: Array<{ seq: number; type: string; fields: Fields }> = []
  readonly orders = new Map<string, LedgerOrder>()
  readonly clOrdIds = new Map<string, string>()
  /** The ClOrdID an order is known by now: its last cancel or replace request's, as OrigClOrdID of the next one. */
  readonly current = new Map<string, string>()
  readonly execIds = new Set<string>()
  /** Orders of an earlier run in the ledger with no `sent` message carrying their ClOrdID: maybe never sent. */
  readonly unconfirmed = new Set<string>()
  /** The first number from the venue not yet received, and the processed ones above it (a gap left mid-resend). */
  nextReceived = 1
  readonly receivedAbove = new Set<number>()
  /** Where the session's store stands on receiving: set by the session that owns this journal. */
  expected: () => number = () => this.nextReceived

  constructor(readonly file: string) {
    if (existsSync(file)) this.load(readFileSync(file, "utf8"))
    this.fd = openSync(file, "a")
  }

  private load(text: string): void {
    const lines = text.split("\n")
    for (const line of lines) {
      if (line === "") continue
      let e: Entry
      try {
        e = JSON.parse(line) as Entry
      } catch {
        // The last line of a process killed mid-write; nothing after it was written.
        continue
      }
      switch (e.k) {
        case "reserve":
          this.reservedUpTo = Math.max(this.reservedUpTo, e.upTo)
          break
        case "sent":
          this.lastSent.push({ seq: e.seq, type: e.type, fields: revive(e.fields) })
          if (e.type === "D") this.unconfirmed.delete(String(e.fields.ClOrdID))
          break
        case "order":
          this.orders.set(e.order.orderId, { clOrdId: e.clOrdId, order: e.order })
          this.clOrdIds.set(e.clOrdId, e.order.orderId)
          this.current.set(e.order.orderId, e.clOrdId)
          this.unconfirmed.add(e.clOrdId)
          break
        case "clordid":
          this.clOrdIds.set(e.clOrdId, e.orderId)
          this.current.set(e.orderId, e.clOrdId)
          break
        case "in":
          // Journals written before `next` was recorded count every number below the last processed as received.
          this.nextReceived = Math.max(this.nextReceived, e.next ?? e.seq + 1)
          if (e.seq >= this.nextReceived) this.receivedAbove.add(e.seq)
          if (e.execId !== undefined) this.execIds.add(e.execId)
          break
      }
    }
    for (const seq of this.receivedAbove) if (seq < this.nextReceived) this.receivedAbove.delete(seq)
  }

  private write(e: Entry): void {
    writeSync(this.fd, `${JSON.stringify(e)}\n`)
  }

  /** The first sequence number the restarted session may use: above every number possibly used before. */
  get nextSenderSeq(): number {
    return this.reservedUpTo
  }

  /** Call before sending message number `seq`. */
  reserve(seq: number): void {
    if (seq < this.reservedUpTo) return
    this.reservedUpTo = seq + BLOCK
    this.write({ k: "reserve", upTo: this.reservedUpTo })
  }

  sent(seq: number, type: string, fields: Fields): void {
    this.write({ k: "sent", seq, type, fields })
    if (type === "D") this.unconfirmed.delete(String(fields.ClOrdID))
  }

  order(entry: LedgerOrder): void {
    this.orders.set(entry.order.orderId, entry)
    this.clOrdIds.set(entry.clOrdId, entry.order.orderId)
    this.current.set(entry.order.orderId, entry.clOrdId)
    this.write({ k: "order", ...entry })
  }

  clOrdId(clOrdId: string, orderId: string): void {
    this.clOrdIds.set(clOrdId, orderId)
    this.current.set(orderId, clOrdId)
    this.write({ k: "clordid", clOrdId, orderId })
  }

  received(seq: number, execId: string | undefined): void {
    const next = this.expected()
    if (execId !== undefined) this.execIds.add(execId)
    this.write(execId === undefined ? { k: "in", seq, next } : { k: "in", seq, next, execId })
  }

  close(): void {
    closeSync(this.fd)
  }
}
