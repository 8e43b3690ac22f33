/**
 * Users, roles and the audit log of every change made through the Control Panel or the Client Portal.
 */
import { ddl } from "./ddl"

export default ddl([
  `CREATE TABLE users (
    id text PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    password_hash text,
    disabled boolean NOT NULL DEFAULT false,
    created_at bigint NOT NULL
  )`,
  `CREATE TABLE roles (
    name text PRIMARY KEY,
    description text NOT NULL
  )`,
  `INSERT INTO roles (name, description) VALUES
    ('admin', 'manages users, roles and platform settings'),
    ('operator', 'deploys, starts and stops strategies; changes risk limits'),
    ('quant', 'runs backtests and prepares deployments'),
    ('investor', 'sees performance and reports; requests deposits and withdrawals')`,
  `CREATE TABLE user_roles (
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL REFERENCES roles (name),
    account_id text,
    PRIMARY KEY (user_id, role)
  )`,
  // who did what to which subject, when, and the state before and after (enough to revert the change).
  `CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor text NOT NULL,
    action text NOT NULL,
    subject text NOT NULL,
    ts bigint NOT NULL,
    before jsonb,
    after jsonb
  )`,
  "CREATE INDEX audit_log_subject_ts ON audit_log (subject, ts)",
  "CREATE INDEX audit_log_actor_ts ON audit_log (actor, ts)"
])
