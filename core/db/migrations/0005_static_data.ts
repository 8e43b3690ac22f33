/**
 * Static data (currencies, instruments, calendars, fee schedules, FX rates) in the central database, so every
 * service reads one versioned set. One row per entry and version; the entry itself is `jsonb`.
 */
import { ddl } from "./ddl"

export default ddl([
  `CREATE TABLE static_data (
    kind text NOT NULL CHECK (kind IN ('currency', 'instrument', 'calendar', 'fee', 'fx')),
    key text NOT NULL,
    -- YYYY-MM-DD the version takes effect; '' for kinds that are not versioned (currencies, calendars).
    effective_from text NOT NULL,
    -- Place of the entry in its file, so that the set reads back in the order it was loaded.
    position integer NOT NULL,
    payload jsonb NOT NULL,
    PRIMARY KEY (kind, key, effective_from)
  )`
])
