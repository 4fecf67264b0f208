-- The price catalogue quotes are priced from. Each publication is a new
-- version; a published version is never changed, so a quote that names it
-- can always be checked against it. Prices are integer fen inside `items`.
CREATE TABLE price_catalogues (
    version      bigint PRIMARY KEY,
    published_at timestamptz NOT NULL,
    published_by text NOT NULL,
    note         text,
    items        jsonb NOT NULL
);
CREATE FUNCTION price_catalogues_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published catalogues are never changed';
END
$$;
CREATE TRIGGER price_catalogues_never_change BEFORE UPDATE OR DELETE ON price_catalogues
    FOR EACH ROW EXECUTE FUNCTION price_catalogues_are_kept();
