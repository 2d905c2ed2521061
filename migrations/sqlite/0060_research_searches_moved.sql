-- Research result sets moved to the call log's file (migrations/sqlite-calls/0002); the ones in
-- flight during the upgrade expire as result sets do.
DROP TABLE research_searches;
