-- Research batch compliance: one row per validation task. `ids` is the submitted ids, one per
-- line; `valid_ids` the ones still valid when the task ran (the download).
CREATE TABLE validation_tasks (
    id BIGINT PRIMARY KEY,
    client_key TEXT NOT NULL,
    category TEXT NOT NULL,
    ids TEXT NOT NULL,
    status TEXT NOT NULL,
    valid_ids TEXT,
    created_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX validation_tasks_by_client ON validation_tasks (client_key, created_at);
