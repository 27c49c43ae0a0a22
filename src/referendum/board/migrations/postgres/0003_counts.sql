-- 0003: how many events of each type the board holds, kept by a trigger in the transaction of
-- each append, so that the public pages read a count in one row instead of counting millions
-- of index entries (docs/board.md, "Counts").  Derived data: the record never holds it and a
-- verifier never reads it.  A board that predates this migration is counted once here.
-- Runs with search_path set to the board's schema.
CREATE TABLE event_counts (
    type text PRIMARY KEY,
    n    bigint NOT NULL CHECK (n >= 0)
);

INSERT INTO event_counts (type, n) SELECT type, count(*) FROM events GROUP BY type;

CREATE FUNCTION events_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_counts (type, n) VALUES (NEW.type, 1)
        ON CONFLICT (type) DO UPDATE SET n = event_counts.n + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_count AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_count();
CREATE TRIGGER event_counts_no_delete BEFORE DELETE ON event_counts
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER event_counts_no_truncate BEFORE TRUNCATE ON event_counts
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
