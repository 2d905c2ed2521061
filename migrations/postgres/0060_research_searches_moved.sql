-- On SQLite research result sets and quota counters moved to the call log's file (sqlite
-- 0060); on PostgreSQL the call log's database is this one, so nothing moves. Kept so both
-- engines stand at the same schema version, which a snapshot names to be loaded on either.
SELECT 1;
