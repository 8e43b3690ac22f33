/**
 * The Client Portal: which accounts an investor sees, the deposits and withdrawals investors request and operators
 * decide, and each account's NAV history.
 *
 * NAV history lives here, in the central database, because nothing else keeps it: the Accounts Service holds only
 * the current state (its journal and snapshots rebuild that, and its event log is bounded), and equity moves with
 * marks, which are not account events. The process that serves the portal samples each account's NAV from the
 * Accounts Service (`AccountValues`) and records the deposits and withdrawals of its event stream, so returns net of
 * those flows survive restarts of the portal and of the session alike.
 */
import { ddl } from "./ddl"

export default ddl([
  `CREATE TABLE investor_accounts (
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id text NOT NULL,
    PRIMARY KEY (user_id, account_id)
  )`,
  // A request moves through pending → approved → done | failed, or pending → rejected; who decided and when stay.
  `CREATE TABLE cash_requests (
    id text PRIMARY KEY,
    account_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('deposit', 'withdrawal')),
    currency text NOT NULL,
    decimals integer NOT NULL,
    amount bigint NOT NULL CHECK (amount > 0),
    requested_by text NOT NULL,
    requested_at bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'done', 'failed')),
    decided_by text,
    decided_at bigint,
    outcome text,
    completed_at bigint
  )`,
  "CREATE INDEX cash_requests_account ON cash_requests (account_id, requested_at)",
  "CREATE INDEX cash_requests_status ON cash_requests (status, requested_at)",
  // NAV in minor units of the account's base currency, at the Accounts Service's time.
  `CREATE TABLE nav_samples (
    account_id text NOT NULL,
    ts bigint NOT NULL,
    nav bigint NOT NULL,
    currency text NOT NULL,
    decimals integer NOT NULL,
    PRIMARY KEY (account_id, ts)
  )`,
  // Deposits and withdrawals as the account's events report them (signed), keyed by the event's sequence.
  `CREATE TABLE nav_flows (
    account_id text NOT NULL,
    sequence bigint NOT NULL,
    ts bigint NOT NULL,
    currency text NOT NULL,
    decimals integer NOT NULL,
    amount bigint NOT NULL,
    PRIMARY KEY (account_id, sequence)
  )`
])
