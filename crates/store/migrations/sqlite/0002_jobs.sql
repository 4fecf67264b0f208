-- Background work claimed under leases (see the store's jobs module). One
-- job per application and key; a job is deleted when its work is done.
CREATE TABLE jobs (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    key            TEXT NOT NULL,
    run_at         TEXT NOT NULL,
    lease_owner    TEXT,
    lease_until    TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, application_id, key)
);
CREATE INDEX jobs_due ON jobs (run_at);
