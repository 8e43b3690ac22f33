/**
 * The backtests launched from the Control Panel: what was launched, by whom, and how it ended (its run, or why it
 * failed), so that the panel lists them after a restart as it lists the runs. Progress stays in the panel's memory.
 */
import { ddl } from "./ddl"

export default ddl([
  `CREATE TABLE panel_backtests (
    id text PRIMARY KEY,
    strategy text NOT NULL,
    params jsonb NOT NULL,
    instruments jsonb NOT NULL,
    from_ts bigint NOT NULL,
    to_ts bigint NOT NULL,
    launched_by text NOT NULL,
    launched_at bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('running', 'completed', 'failed')),
    run_id text,
    error text
  )`,
  "CREATE INDEX panel_backtests_launched ON panel_backtests (launched_at)"
])
