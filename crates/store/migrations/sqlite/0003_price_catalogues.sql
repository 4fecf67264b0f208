-- The price catalogue quotes are priced from. Each publication is a new
-- version; a published version is never changed, so a quote that names it
-- can always be checked against it. Prices are integer fen inside `items`.
CREATE TABLE price_catalogues (
    version      INTEGER PRIMARY KEY,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    note         TEXT,
    items        TEXT NOT NULL
);
CREATE TRIGGER price_catalogues_never_change BEFORE UPDATE ON price_catalogues
BEGIN
    SELECT RAISE(ABORT, 'published catalogues are never changed');
END;
CREATE TRIGGER price_catalogues_never_go BEFORE DELETE ON price_catalogues
BEGIN
    SELECT RAISE(ABORT, 'published catalogues are never changed');
END;
