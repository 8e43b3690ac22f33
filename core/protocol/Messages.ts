/**
 * Every domain message that crosses a process boundary, and a codec for each.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountCommand, ExecutionCommand } from "../domain/Commands"
import { Currency } from "../domain/Currency"
import { AccountEvent } from "../domain/Events"
import { Fill } from "../domain/Fill"
import { Instrument } from "../domain/Instrument"
import { MarketDataEvent } from "../domain/MarketData"
import { Order, OrderRequest } from "../domain/Order"
import { Account, CashBalance, Position } from "../domain/Portfolio"
import * as Codec from "./Codec"

/** The messages of the platform's streams: market data, commands to the Accounts Service, and its events. */
export const DomainMessage = Schema.Union(
  // One flat union, so that a message is checked against the member its `_tag` names and no other.
  ...MarketDataEvent.members,
  ...AccountCommand.members,
  ...AccountEvent.members,
  ...ExecutionCommand.members
)
export type DomainMessage = typeof DomainMessage.Type

export const domainMessage = Codec.make(DomainMessage)

/** Records exchanged whole (snapshots, static data, HTTP bodies). */
export const recordSchemas = {
  instrument: Instrument,
  currency: Currency,
  account: Account,
  orderRequest: OrderRequest,
  order: Order,
  fill: Fill,
  position: Position,
  cashBalance: CashBalance
} as const

export const records = {
  instrument: Codec.make(Instrument),
  currency: Codec.make(Currency),
  account: Codec.make(Account),
  orderRequest: Codec.make(OrderRequest),
  order: Codec.make(Order),
  fill: Codec.make(Fill),
  position: Codec.make(Position),
  cashBalance: Codec.make(CashBalance)
} as const
