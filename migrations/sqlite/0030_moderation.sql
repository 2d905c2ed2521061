-- Moderation: terms refused or flagged in titles and captions, cases in the review queue (a held
-- publish or a reported post), viewers' reports, and every moderator action.
CREATE TABLE moderation_terms (
    term TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE moderation_cases (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    cause TEXT NOT NULL,
    status TEXT NOT NULL,
    reject_reason TEXT,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT
);
-- At most one open case per publish or post.
CREATE UNIQUE INDEX moderation_cases_open ON moderation_cases (subject, subject_id) WHERE status = 'open';
CREATE INDEX moderation_cases_by_status ON moderation_cases (status, opened_at);
CREATE INDEX moderation_cases_by_creator ON moderation_cases (creator_id, status);

CREATE TABLE moderation_reports (
    id TEXT PRIMARY KEY,
    post_id TEXT NOT NULL,
    reporter_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (post_id, reporter_id)
);

CREATE TABLE moderation_audit (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX moderation_audit_by_time ON moderation_audit (at);
