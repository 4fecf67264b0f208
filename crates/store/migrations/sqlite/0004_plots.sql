-- The early-involvement ledger of residential plots (known from the
-- planning platform before any application). The entry itself is a JSON
-- document; `application_number` is set once, when an application starts
-- from the entry.
CREATE TABLE plots (
    id                 TEXT PRIMARY KEY,
    learned_at         TEXT NOT NULL,
    application_number TEXT,
    doc                TEXT NOT NULL
);
CREATE INDEX plots_learned ON plots (learned_at);
