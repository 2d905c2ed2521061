-- The compatibility profile and strict mode an app chose; NULL follows the platform's.
ALTER TABLE apps ADD COLUMN compat_profile TEXT;
ALTER TABLE apps ADD COLUMN compat_strict BIGINT;
