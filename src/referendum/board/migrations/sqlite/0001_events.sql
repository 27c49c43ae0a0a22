-- 0001: the event log, its key index, append-only and chain-link triggers (SQLite).
CREATE TABLE events (
    height    INTEGER PRIMARY KEY CHECK (height >= 0),
    parent    TEXT NOT NULL UNIQUE CHECK (length(parent) = 64),
    type      TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    payload   TEXT NOT NULL,
    hash      TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
) STRICT;

CREATE INDEX events_type_height ON events (type, height);

CREATE TABLE event_keys (
    key    TEXT NOT NULL,
    height INTEGER NOT NULL REFERENCES events (height),
    PRIMARY KEY (key, height)
) STRICT, WITHOUT ROWID;

-- An event links to the one below it: height 0 has the all-zero parent, every other event's
-- parent is the hash of the event at height - 1, and timestamps never decrease.
CREATE TRIGGER events_link BEFORE INSERT ON events
BEGIN
    SELECT RAISE(ABORT, 'events: the genesis event needs height 0 and the all-zero parent')
    WHERE (NEW.height = 0) <> (NEW.parent = '0000000000000000000000000000000000000000000000000000000000000000');
    SELECT RAISE(ABORT, 'events: parent is not the hash of the event one lower')
    WHERE NEW.height > 0 AND NOT EXISTS (
        SELECT 1 FROM events WHERE height = NEW.height - 1 AND hash = NEW.parent
    );
    SELECT RAISE(ABORT, 'events: timestamp earlier than the parent''s')
    WHERE NEW.height > 0 AND NEW.timestamp < (
        SELECT timestamp FROM events WHERE height = NEW.height - 1
    );
END;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: UPDATE is forbidden');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: DELETE is forbidden');
END;

CREATE TRIGGER event_keys_no_update BEFORE UPDATE ON event_keys
BEGIN
    SELECT RAISE(ABORT, 'event_keys are append-only: UPDATE is forbidden');
END;

CREATE TRIGGER event_keys_no_delete BEFORE DELETE ON event_keys
BEGIN
    SELECT RAISE(ABORT, 'event_keys are append-only: DELETE is forbidden');
END;
