-- Applications: the current state of each, projected from its events and
-- written in the same transaction as them. `state` is the full projection as
-- JSON; the other columns are what lists and look-ups filter and order on.
CREATE TABLE applications (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    line            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    status          TEXT NOT NULL,
    assignee_id     TEXT,
    phone           TEXT NOT NULL,
    accepted_at     TEXT NOT NULL,
    next_due_at     TEXT,
    idempotency_key TEXT UNIQUE,
    version         INTEGER NOT NULL,
    state           TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX applications_worklist ON applications (status, next_due_at);
CREATE INDEX applications_assignee ON applications (assignee_id, next_due_at);
CREATE INDEX applications_accepted ON applications (accepted_at);

-- The append-only event log. `seq` runs from 1 per application with no gaps.
CREATE TABLE events (
    application_id TEXT NOT NULL REFERENCES applications (id),
    seq            INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    actor_id       TEXT,
    actor_name     TEXT NOT NULL,
    actor_role     TEXT,
    channel        TEXT NOT NULL,
    occurred_at    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    payload        TEXT NOT NULL,
    PRIMARY KEY (application_id, seq)
);
CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- Running numbers per Asia/Shanghai day, for application numbers.
CREATE TABLE application_counters (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    -- A password someone else set (first start, an administrator, a reset)
    -- must be changed at the next sign-in.
    password_expired INTEGER NOT NULL DEFAULT 0,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

-- Only a hash of each session token is kept.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The local business registry, looked up by unified social credit code.
CREATE TABLE business_licences (
    uscc                 TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    address              TEXT NOT NULL,
    registered_on        TEXT,
    status               TEXT NOT NULL,
    imported_at          TEXT NOT NULL
);

-- Official holiday arrangements imported at run time (years not shipped).
CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
