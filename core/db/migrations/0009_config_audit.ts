/**
 * Configuration changes the Control Panel applies to a running session (risk limits, kill switches, order cancels)
 * go into `audit_log` like every other change, with what a session change needs beside it: the session, the request
 * id the Accounts Service journals it under, its outcome (`pending` until the service answered: a change is recorded
 * before it is sent, so none is applied unaudited), the service's message for a refusal, and the change a revert
 * reverts. Rows written before (user additions) are `applied`.
 */
import { ddl } from "./ddl"

export default ddl([
  "ALTER TABLE audit_log ADD COLUMN session_id text",
  "ALTER TABLE audit_log ADD COLUMN request_id text UNIQUE",
  "ALTER TABLE audit_log ADD COLUMN outcome text NOT NULL DEFAULT 'applied' CHECK (outcome IN ('pending', 'applied', 'refused'))",
  "ALTER TABLE audit_log ADD COLUMN message text",
  "ALTER TABLE audit_log ADD COLUMN reverts bigint REFERENCES audit_log (id)",
  "CREATE INDEX audit_log_session_id ON audit_log (session_id, id)"
])
