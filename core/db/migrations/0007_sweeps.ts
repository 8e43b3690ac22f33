/**
 * Parameter sweeps: a sweep (a strategy over a set of parameter sets) and its jobs, one row each, queued when the
 * sweep is submitted. A job's result is its backtest run: the row says which, and the row's lock is what makes a
 * job's result stored exactly once when two workers ran it (a runner presumed dead that was only slow).
 */
import { ddl } from "./ddl"

export default ddl([
  `CREATE TABLE sweeps (
    id text PRIMARY KEY,
    strategy text NOT NULL,
    -- How the parameter sets were chosen (grid or random sample, seed) and what every job shares.
    spec jsonb NOT NULL,
    jobs integer NOT NULL CHECK (jobs >= 0),
    created_at bigint NOT NULL
  )`,
  `CREATE TABLE sweep_jobs (
    job_id text PRIMARY KEY,
    sweep_id text NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    -- Place in the sweep, for a stable listing.
    seq integer NOT NULL,
    parameters jsonb NOT NULL,
    status text NOT NULL CHECK (status IN ('queued', 'completed', 'failed')),
    run_id text REFERENCES backtest_runs (id),
    error text,
    -- The runner (or local process) whose result was stored.
    worker text,
    completed_at bigint,
    CHECK ((status = 'completed') = (run_id IS NOT NULL))
  )`,
  "CREATE INDEX sweep_jobs_sweep ON sweep_jobs (sweep_id, seq)"
])
