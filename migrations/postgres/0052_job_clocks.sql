-- The app a job belongs to (NULL for the server's own jobs): when that app's clock moves, its
-- pending jobs' due times (kept on the shared clock) move back with it in the same transaction,
-- so the claim query stays a walk of jobs_due.
ALTER TABLE jobs ADD COLUMN client_key TEXT;
CREATE INDEX jobs_pending_by_app ON jobs (client_key, done_at);
