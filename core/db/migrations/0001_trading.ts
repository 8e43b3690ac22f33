/**
 * Accounts, their event log and the current state projected from it: orders, fills, positions (current and
 * snapshots) and cash (balances and movements). Ticks, lots and minor units are `bigint`, times `bigint` µs.
 */
import { ddl } from "./ddl"

export default ddl([
  `CREATE TABLE accounts (
    id text PRIMARY KEY,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('cash', 'margin')),
    base_currency text NOT NULL,
    created_at bigint NOT NULL
  )`,
  // The Accounts Service's events, exactly as emitted; every other table of this file is derived from it.
  `CREATE TABLE account_events (
    account_id text NOT NULL,
    sequence bigint NOT NULL CHECK (sequence > 0),
    ts bigint NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    PRIMARY KEY (account_id, sequence)
  )`,
  "CREATE INDEX account_events_type_ts ON account_events (type, ts)",
  `CREATE TABLE orders (
    order_id text PRIMARY KEY,
    account_id text NOT NULL,
    client_order_id text NOT NULL,
    strategy_id text,
    instrument_id text NOT NULL,
    side text NOT NULL CHECK (side IN ('buy', 'sell')),
    type text NOT NULL,
    quantity bigint NOT NULL CHECK (quantity > 0),
    limit_price bigint,
    stop_price bigint,
    trailing_offset bigint,
    time_in_force text NOT NULL,
    expire_at bigint,
    reduce_only boolean NOT NULL,
    post_only boolean NOT NULL,
    display_quantity bigint,
    venue_order_id text,
    status text NOT NULL,
    filled_quantity bigint NOT NULL,
    filled_value bigint NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    last_sequence bigint NOT NULL,
    UNIQUE (account_id, client_order_id)
  )`,
  "CREATE INDEX orders_account_status ON orders (account_id, status)",
  // One row per OrderFilled event: trade ids are the venue's and only unique per venue.
  `CREATE TABLE fills (
    account_id text NOT NULL,
    sequence bigint NOT NULL,
    trade_id text NOT NULL,
    order_id text NOT NULL,
    client_order_id text NOT NULL,
    instrument_id text NOT NULL,
    side text NOT NULL CHECK (side IN ('buy', 'sell')),
    quantity bigint NOT NULL CHECK (quantity > 0),
    price bigint NOT NULL,
    fee bigint NOT NULL,
    fee_currency text NOT NULL,
    liquidity text NOT NULL CHECK (liquidity IN ('maker', 'taker')),
    ts bigint NOT NULL,
    PRIMARY KEY (account_id, sequence)
  )`,
  "CREATE INDEX fills_order ON fills (order_id)",
  "CREATE INDEX fills_instrument_ts ON fills (instrument_id, ts)",
  `CREATE TABLE positions (
    account_id text NOT NULL,
    instrument_id text NOT NULL,
    quantity bigint NOT NULL,
    open_cost bigint NOT NULL,
    realized_pnl bigint NOT NULL,
    fees bigint NOT NULL,
    currency text NOT NULL,
    updated_at bigint NOT NULL,
    last_sequence bigint NOT NULL,
    PRIMARY KEY (account_id, instrument_id)
  )`,
  `CREATE TABLE position_snapshots (
    account_id text NOT NULL,
    sequence bigint NOT NULL,
    instrument_id text NOT NULL,
    quantity bigint NOT NULL,
    open_cost bigint NOT NULL,
    realized_pnl bigint NOT NULL,
    fees bigint NOT NULL,
    currency text NOT NULL,
    ts bigint NOT NULL,
    PRIMARY KEY (account_id, sequence)
  )`,
  "CREATE INDEX position_snapshots_instrument_ts ON position_snapshots (account_id, instrument_id, ts)",
  `CREATE TABLE cash_balances (
    account_id text NOT NULL,
    currency text NOT NULL,
    total bigint NOT NULL,
    reserved bigint NOT NULL CHECK (reserved >= 0),
    updated_at bigint NOT NULL,
    last_sequence bigint NOT NULL,
    PRIMARY KEY (account_id, currency)
  )`,
  `CREATE TABLE cash_movements (
    account_id text NOT NULL,
    sequence bigint NOT NULL,
    currency text NOT NULL,
    amount bigint NOT NULL,
    reason text NOT NULL,
    balance bigint NOT NULL,
    ts bigint NOT NULL,
    PRIMARY KEY (account_id, sequence)
  )`
])
