/**
 * One batch of account events written in one transaction: the events themselves (`ON CONFLICT DO NOTHING`), then
 * the current state derived from exactly those that were new, so a batch delivered twice changes nothing.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { AccountEvent } from "../../domain/Events"
import { add, mul } from "../../domain/SafeInt"

type Sql = SqlClient.SqlClient
type Row = Record<string, string | number | boolean | null>

const eventKey = (accountId: string, sequence: number | string): string => `${accountId}\u0000${sequence}`

/**
 * Insert `events` (already in per-account sequence order) and apply the state changes of those not stored
 * before. Returns how many were new.
 */
export const writeBatch = (sql: Sql, events: ReadonlyArray<AccountEvent>): Effect.Effect<number, unknown> =>
  Effect.gen(function* () {
    if (events.length === 0) return 0
    const inserted = yield* sql<{ account_id: string; sequence: string }>`
      INSERT INTO account_events ${sql.insert(
        events.map((e) => ({
          account_id: e.accountId,
          sequence: e.sequence,
          ts: e.ts,
          type: e._tag,
          payload: JSON.stringify(e)
        }))
      )}
      ON CONFLICT (account_id, sequence) DO NOTHING
      RETURNING account_id, sequence`
    const isNew = new Set(inserted.map((r) => eventKey(r.account_id, r.sequence)))
    const fresh = events.filter((e) => isNew.has(eventKey(e.accountId, e.sequence)))
    yield* applyState(sql, fresh)
    return fresh.length
  })

const applyState = (sql: Sql, events: ReadonlyArray<AccountEvent>) =>
  Effect.gen(function* () {
    const fills: Array<Row> = []
    const snapshots: Array<Row> = []
    const movements: Array<Row> = []
    // The latest state per key: an upsert may not touch a row twice in one statement.
    const positions = new Map<string, Row>()
    const balances = new Map<string, Row>()
    for (const e of events) {
      switch (e._tag) {
        case "OrderFilled": {
          const f = e.fill
          fills.push({
            account_id: e.accountId,
            sequence: e.sequence,
            trade_id: f.tradeId,
            order_id: f.orderId,
            client_order_id: f.clientOrderId,
            instrument_id: f.instrumentId,
            side: f.side,
            quantity: f.quantity,
            price: f.price,
            fee: f.fee,
            fee_currency: f.feeCurrency,
            liquidity: f.liquidity,
            ts: f.ts
          })
          break
        }
        case "PositionChanged": {
          const p = e.position
          const state = {
            account_id: e.accountId,
            instrument_id: p.instrumentId,
            quantity: p.quantity,
            open_cost: p.openCost,
            realized_pnl: p.realizedPnl,
            fees: p.fees,
            currency: p.currency
          }
          snapshots.push({ ...state, sequence: e.sequence, ts: e.ts })
          positions.set(eventKey(e.accountId, p.instrumentId), {
            ...state,
            updated_at: p.updatedAt,
            last_sequence: e.sequence
          })
          break
        }
        case "CashChanged": {
          const b = e.balance
          movements.push({
            account_id: e.accountId,
            sequence: e.sequence,
            currency: e.currency,
            amount: e.amount,
            reason: e.reason,
            balance: b.total,
            ts: e.ts
          })
          balances.set(eventKey(e.accountId, b.currency), {
            account_id: e.accountId,
            currency: b.currency,
            total: b.total,
            reserved: b.reserved,
            updated_at: b.updatedAt,
            last_sequence: e.sequence
          })
          break
        }
        default:
          break
      }
    }
    yield* writeOrders(sql, events)
    if (fills.length > 0) yield* sql`INSERT INTO fills ${sql.insert(fills)} ON CONFLICT DO NOTHING`
    if (snapshots.length > 0) {
      yield* sql`INSERT INTO position_snapshots ${sql.insert(snapshots)} ON CONFLICT DO NOTHING`
    }
    if (positions.size > 0) {
      yield* sql`INSERT INTO positions ${sql.insert([...positions.values()])}
        ON CONFLICT (account_id, instrument_id) DO UPDATE SET
          quantity = EXCLUDED.quantity, open_cost = EXCLUDED.open_cost, realized_pnl = EXCLUDED.realized_pnl,
          fees = EXCLUDED.fees, currency = EXCLUDED.currency, updated_at = EXCLUDED.updated_at,
          last_sequence = EXCLUDED.last_sequence
        WHERE positions.last_sequence < EXCLUDED.last_sequence`
    }
    if (movements.length > 0) yield* sql`INSERT INTO cash_movements ${sql.insert(movements)} ON CONFLICT DO NOTHING`
    if (balances.size > 0) {
      yield* sql`INSERT INTO cash_balances ${sql.insert([...balances.values()])}
        ON CONFLICT (account_id, currency) DO UPDATE SET
          total = EXCLUDED.total, reserved = EXCLUDED.reserved, updated_at = EXCLUDED.updated_at,
          last_sequence = EXCLUDED.last_sequence
        WHERE cash_balances.last_sequence < EXCLUDED.last_sequence`
    }
  })

/** What a batch does to one order: its new row if submitted in the batch, else the changes to its stored row. */
interface OrderPatch {
  readonly orderId: string
  insert: Row | undefined
  status: string | null
  venueOrderId: string | null
  quantity: number | null
  limitPrice: number | null
  stopPrice: number | null
  filledQuantity: number
  filledValue: number
  updatedAt: number
  lastSequence: number
}

/** `accepted` never overrides a status the order reached first (a fill reported before the acceptance). */
const nextStatus = (current: string | null, status: string): string =>
  status === "accepted" && current !== null && current !== "pending-new" ? current : status

/** Fold the batch's order events into one patch per order, in order of first appearance. */
const foldOrders = (events: ReadonlyArray<AccountEvent>): Map<string, OrderPatch> => {
  const patches = new Map<string, OrderPatch>()
  const patch = (orderId: string, e: AccountEvent): OrderPatch => {
    let p = patches.get(orderId)
    if (p === undefined) {
      p = {
        orderId,
        insert: undefined,
        status: null,
        venueOrderId: null,
        quantity: null,
        limitPrice: null,
        stopPrice: null,
        filledQuantity: 0,
        filledValue: 0,
        updatedAt: e.ts,
        lastSequence: e.sequence
      }
      patches.set(orderId, p)
    }
    p.updatedAt = e.ts
    p.lastSequence = e.sequence
    return p
  }
  for (const e of events) {
    switch (e._tag) {
      case "OrderSubmitted": {
        const o = e.order
        patch(o.orderId, e).insert = {
          order_id: o.orderId,
          account_id: o.accountId,
          client_order_id: o.clientOrderId,
          strategy_id: o.strategyId ?? null,
          instrument_id: o.instrumentId,
          side: o.side,
          type: o.type,
          quantity: o.quantity,
          limit_price: o.limitPrice ?? null,
          stop_price: o.stopPrice ?? null,
          trailing_offset: o.trailingOffset ?? null,
          time_in_force: o.timeInForce,
          expire_at: o.expireAt ?? null,
          reduce_only: o.reduceOnly,
          post_only: o.postOnly,
          display_quantity: o.displayQuantity ?? null,
          venue_order_id: o.venueOrderId ?? null,
          status: o.status,
          filled_quantity: o.filledQuantity,
          filled_value: o.filledValue,
          created_at: o.createdAt,
          updated_at: o.updatedAt,
          last_sequence: e.sequence
        }
        break
      }
      case "OrderAccepted": {
        const p = patch(e.orderId, e)
        p.venueOrderId = e.venueOrderId
        p.status = nextStatus(p.status ?? (p.insert?.status as string | undefined) ?? null, "accepted")
        break
      }
      case "OrderRejected":
        if (e.orderId !== undefined) patch(e.orderId, e).status = "rejected"
        break
      case "OrderCanceled":
        patch(e.orderId, e).status = "canceled"
        break
      case "OrderExpired":
        patch(e.orderId, e).status = "expired"
        break
      case "OrderReplaced": {
        const p = patch(e.orderId, e)
        p.quantity = e.quantity
        if (e.limitPrice !== undefined) p.limitPrice = e.limitPrice
        if (e.stopPrice !== undefined) p.stopPrice = e.stopPrice
        break
      }
      case "OrderFilled": {
        const p = patch(e.fill.orderId, e)
        p.status = e.status
        p.filledQuantity = add(p.filledQuantity, e.fill.quantity)
        p.filledValue = add(p.filledValue, mul(e.fill.price, e.fill.quantity))
        break
      }
      default:
        break
    }
  }
  return patches
}

/** New orders in one multi-row insert (with the batch's later changes merged in), the others in one update. */
const writeOrders = (sql: Sql, events: ReadonlyArray<AccountEvent>) =>
  Effect.gen(function* () {
    const inserts: Array<Row> = []
    const updates: Array<Row> = []
    for (const p of foldOrders(events).values()) {
      if (p.insert !== undefined) {
        const row = p.insert
        inserts.push({
          ...row,
          status: p.status ?? row.status ?? null,
          venue_order_id: p.venueOrderId ?? row.venue_order_id ?? null,
          quantity: p.quantity ?? row.quantity ?? null,
          limit_price: p.limitPrice ?? row.limit_price ?? null,
          stop_price: p.stopPrice ?? row.stop_price ?? null,
          filled_quantity: add(Number(row.filled_quantity), p.filledQuantity),
          filled_value: add(Number(row.filled_value), p.filledValue),
          updated_at: p.updatedAt,
          last_sequence: p.lastSequence
        })
      } else {
        updates.push({
          order_id: p.orderId,
          status: p.status,
          venue_order_id: p.venueOrderId,
          quantity: p.quantity,
          limit_price: p.limitPrice,
          stop_price: p.stopPrice,
          filled_quantity: p.filledQuantity,
          filled_value: p.filledValue,
          updated_at: p.updatedAt,
          last_sequence: p.lastSequence
        })
      }
    }
    if (inserts.length > 0) yield* sql`INSERT INTO orders ${sql.insert(inserts)} ON CONFLICT (order_id) DO NOTHING`
    if (updates.length > 0) {
      // VALUES parameters arrive as text: cast each. A lone `accepted` keeps a status the order already passed.
      yield* sql`UPDATE orders o SET
          status = CASE
            WHEN v.status IS NULL THEN o.status
            WHEN v.status = 'accepted' AND o.status <> 'pending-new' THEN o.status
            ELSE v.status END,
          venue_order_id = COALESCE(v.venue_order_id, o.venue_order_id),
          quantity = COALESCE(v.quantity::bigint, o.quantity),
          limit_price = COALESCE(v.limit_price::bigint, o.limit_price),
          stop_price = COALESCE(v.stop_price::bigint, o.stop_price),
          filled_quantity = o.filled_quantity + v.filled_quantity::bigint,
          filled_value = o.filled_value + v.filled_value::bigint,
          updated_at = v.updated_at::bigint,
          last_sequence = v.last_sequence::bigint
        FROM ${sql.updateValues(updates, "v")}
        WHERE o.order_id = v.order_id`
    }
  })
