-- The PostgreSQL schema: the same tables as the SQLite one, in the types
-- native to PostgreSQL (uuid, timestamptz, jsonb, date, bigint). Money, once
-- stored in columns, is bigint fen, as on SQLite.

-- Applications: the current state of each, projected from its events and
-- written in the same transaction as them.
CREATE TABLE applications (
    id              uuid PRIMARY KEY,
    number          text NOT NULL UNIQUE,
    line            text NOT NULL,
    channel         text NOT NULL,
    status          text NOT NULL,
    assignee_id     uuid,
    phone           text NOT NULL,
    accepted_at     timestamptz NOT NULL,
    next_due_at     timestamptz,
    idempotency_key text UNIQUE,
    version         bigint NOT NULL,
    state           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX applications_worklist ON applications (status, next_due_at);
CREATE INDEX applications_assignee ON applications (assignee_id, next_due_at);
CREATE INDEX applications_accepted ON applications (accepted_at);

-- The append-only event log. `seq` runs from 1 per application with no gaps.
CREATE TABLE events (
    application_id uuid NOT NULL REFERENCES applications (id),
    seq            bigint NOT NULL,
    kind           text NOT NULL,
    actor_id       uuid,
    actor_name     text NOT NULL,
    actor_role     text,
    channel        text NOT NULL,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    payload        jsonb NOT NULL,
    PRIMARY KEY (application_id, seq)
);
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END
$$;
CREATE TRIGGER events_are_never_changed BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();

-- Running numbers per Asia/Shanghai day, for application numbers.
CREATE TABLE application_counters (
    day  date PRIMARY KEY,
    last bigint NOT NULL
);

CREATE TABLE users (
    id               uuid PRIMARY KEY,
    username         text NOT NULL UNIQUE,
    display_name     text NOT NULL,
    role             text NOT NULL,
    password_hash    text NOT NULL,
    password_expired boolean NOT NULL DEFAULT false,
    active           boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL
);

-- Only a hash of each session token is kept.
CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The local business registry, looked up by unified social credit code.
CREATE TABLE business_licences (
    uscc                 text PRIMARY KEY,
    name                 text NOT NULL,
    legal_representative text NOT NULL,
    address              text NOT NULL,
    registered_on        date,
    status               text NOT NULL,
    imported_at          timestamptz NOT NULL
);

-- Official holiday arrangements imported at run time (years not shipped);
-- the source is kept byte for byte, so as text.
CREATE TABLE calendar_years (
    year        integer PRIMARY KEY,
    source      text NOT NULL,
    imported_at timestamptz NOT NULL
);

-- Background work claimed under leases; deleted when done.
CREATE TABLE jobs (
    id             uuid PRIMARY KEY,
    kind           text NOT NULL,
    application_id uuid NOT NULL REFERENCES applications (id),
    key            text NOT NULL,
    run_at         timestamptz NOT NULL,
    lease_owner    text,
    lease_until    timestamptz,
    attempts       integer NOT NULL DEFAULT 0,
    UNIQUE (kind, application_id, key)
);
CREATE INDEX jobs_due ON jobs (run_at);
