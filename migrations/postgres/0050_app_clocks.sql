-- Per-app clock offsets (sandbox): an app's time is the shared clock plus its offset, so two test
-- suites moving their own apps' clocks on one server never see each other's time.
CREATE TABLE app_clocks (
    client_key TEXT PRIMARY KEY,
    offset_ms BIGINT NOT NULL
);
