-- 0003: how many events of each type the board holds, kept by a trigger in the transaction of
-- each append, so that the public pages read a count in one row instead of counting millions
-- of index entries (docs/board.md, "Counts").  Derived data: the record never holds it and a
-- verifier never reads it.  A board that predates this migration is counted once here.
CREATE TABLE event_counts (
    type TEXT PRIMARY KEY,
    n    INTEGER NOT NULL CHECK (n >= 0)
) STRICT, WITHOUT ROWID;

INSERT INTO event_counts (type, n) SELECT type, count(*) FROM events GROUP BY type;

CREATE TRIGGER events_count AFTER INSERT ON events
BEGIN
    INSERT INTO event_counts (type, n) VALUES (NEW.type, 1)
        ON CONFLICT (type) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER event_counts_no_delete BEFORE DELETE ON event_counts
BEGIN
    SELECT RAISE(ABORT, 'event_counts follow the events: DELETE is forbidden');
END;
