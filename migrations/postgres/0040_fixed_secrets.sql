-- Client secrets fixed by a seed file: they cannot be derived from the master key, so they are
-- kept sealed with it (reelbox_core::secrets::seal_secret) to sign webhooks; apps.secret_hash
-- still holds their SHA-256 for client authentication.
CREATE TABLE app_fixed_secrets (
    client_key TEXT PRIMARY KEY,
    sealed TEXT NOT NULL
);
