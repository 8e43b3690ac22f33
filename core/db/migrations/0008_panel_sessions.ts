/**
 * What the Control Panel needs beside `users`: its login sessions and its failed logins. A session row holds the
 * SHA-256 of the cookie's random token (a copy of the table opens no session) and the session's CSRF token; a
 * failed login is one row per attempt, counted per user name and address over a window.
 */
import { ddl } from "./ddl"

export default ddl([
  // A user signs in with a name; an email is optional.
  "ALTER TABLE users ALTER COLUMN email DROP NOT NULL",
  "CREATE UNIQUE INDEX users_name ON users (name)",
  `CREATE TABLE web_sessions (
    token_hash text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
  )`,
  "CREATE INDEX web_sessions_expires ON web_sessions (expires_at)",
  `CREATE TABLE login_failures (
    user_name text NOT NULL,
    address text NOT NULL,
    ts bigint NOT NULL
  )`,
  "CREATE INDEX login_failures_key ON login_failures (user_name, address, ts)"
])
