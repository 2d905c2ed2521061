-- Privileges a developer asked for in the portal on a live platform, waiting for the operator.
ALTER TABLE apps ADD COLUMN pending_scopes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE apps ADD COLUMN pending_url_prefixes TEXT NOT NULL DEFAULT '[]';
