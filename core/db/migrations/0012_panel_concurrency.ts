/**
 * Two Control Panels on one central database:
 * - a backtest launched from a panel names that panel (`owner`, a random id per panel process) and carries the time
 *   the panel last said it still runs it (`heartbeat_at`, µs). A panel settles as failed only the running backtests
 *   whose heartbeat has gone stale (their panel stopped or crashed), never another live panel's. Rows from before
 *   have neither: their panel is gone.
 * - at most one pending change of a scope's risk limits per session: a change claims the scope by its pending audit
 *   row until the Accounts Service answered, so that two panels cannot both send a change made from the same limits.
 */
import { ddl } from "./ddl"

export default ddl([
  "ALTER TABLE panel_backtests ADD COLUMN owner text",
  "ALTER TABLE panel_backtests ADD COLUMN heartbeat_at bigint",
  "CREATE INDEX panel_backtests_running ON panel_backtests (heartbeat_at) WHERE state = 'running'",
  `CREATE UNIQUE INDEX audit_log_pending_limits ON audit_log (session_id, subject)
    WHERE outcome = 'pending' AND subject LIKE 'risk-limits:%'`
])
