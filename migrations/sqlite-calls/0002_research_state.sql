-- Research result sets (`search_id`) live beside the call log on the embedded backend: a research
-- query is a read of the main database, and the one row it writes for its result set goes to
-- this file's own writer instead of queueing behind the main database's single
-- `synchronous=FULL` writer. A result set is a cache that expires within hours; losing the
-- newest ones to a power cut only makes a later page answer "Invalid search_id".
CREATE TABLE research_searches (
    id TEXT PRIMARY KEY,
    client_key TEXT NOT NULL,
    query TEXT NOT NULL,
    max_id TEXT NOT NULL,
    snapshot_at BIGINT NOT NULL,
    pages TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX research_searches_by_time ON research_searches (created_at);

-- The research quota's daily counters, for the same reason: a quota check never waits for a
-- counter flush that waits for the main writer. Counters of a database from before this file
-- had them are moved here at start-up (`Store::move_research_usage`).
CREATE TABLE research_usage (
    client_key TEXT NOT NULL,
    day BIGINT NOT NULL,
    kind TEXT NOT NULL,
    requests BIGINT NOT NULL DEFAULT 0,
    records BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (client_key, day, kind)
);
