/**
 * Deployments: a strategy version with its parameters running on an account, in paper or live mode.
 */
import { ddl } from "./ddl"

export default ddl([
  `CREATE TABLE deployments (
    id text PRIMARY KEY,
    strategy text NOT NULL,
    strategy_version text NOT NULL,
    account_id text NOT NULL,
    parameters jsonb NOT NULL,
    mode text NOT NULL CHECK (mode IN ('paper', 'live')),
    status text NOT NULL CHECK (status IN ('pending', 'running', 'stopped', 'failed')),
    created_by text REFERENCES users (id),
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  )`,
  "CREATE INDEX deployments_account_status ON deployments (account_id, status)"
])
