/**
 * Backtest runs (what ran: strategy, version, parameters, data range, code hash) and their results. Results are
 * written once and read whole by the Control Panel, so statistics, trades and the equity curve are `jsonb`.
 */
import { ddl } from "./ddl"

export default ddl([
  `CREATE TABLE backtest_runs (
    id text PRIMARY KEY,
    strategy text NOT NULL,
    strategy_version text NOT NULL,
    parameters jsonb NOT NULL,
    data_from bigint NOT NULL,
    data_to bigint NOT NULL CHECK (data_to >= data_from),
    data_sources jsonb NOT NULL DEFAULT '[]',
    code_hash text NOT NULL,
    created_by text REFERENCES users (id),
    created_at bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'canceled')),
    error text
  )`,
  "CREATE INDEX backtest_runs_strategy_created ON backtest_runs (strategy, created_at)",
  `CREATE TABLE backtest_results (
    run_id text PRIMARY KEY REFERENCES backtest_runs (id) ON DELETE CASCADE,
    statistics jsonb NOT NULL,
    trades jsonb NOT NULL,
    equity_curve jsonb NOT NULL,
    completed_at bigint NOT NULL
  )`
])
