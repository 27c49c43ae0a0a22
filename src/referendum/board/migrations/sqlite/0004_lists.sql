-- 0004: the credential lists and the ballots of each region, kept in each append's
-- transaction, so that a server looks a credential up in an index instead of holding the
-- electorate in memory, and counts a region's ballots in one row (docs/board.md, "Credential
-- lists").  Derived data, as event_counts: the record never holds it, a verifier never reads
-- it.  The rules are those of referendum.protocol.electorate (a second list of a region, a
-- reissue after voting.open or of a region without a list change nothing).  A board that
-- predates this migration is indexed once here.

-- Every credential ever listed: its region, the height of the event that listed it and of
-- the reissue that revoked it (NULL: not revoked), so that the lists are read as of any height
-- (a state answers as of the head it was loaded at).
CREATE TABLE credential_index (
    credential TEXT PRIMARY KEY,
    region     TEXT NOT NULL,
    listed_at  INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT, WITHOUT ROWID;

-- How many credentials a region's list holds after each event that changed it.
CREATE TABLE credential_regions (
    region TEXT NOT NULL,
    height INTEGER NOT NULL,
    n      INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (region, height)
) STRICT, WITHOUT ROWID;

-- Ballots of each type (ballot.accepted, ballot.deniable) in each region.
CREATE TABLE region_ballots (
    type   TEXT NOT NULL,
    region TEXT NOT NULL,
    n      INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (type, region)
) STRICT, WITHOUT ROWID;

-- The one definition of how a list event changes the index: inserting into this view applies
-- it (from the events trigger below, and once here for the events already on the board).  An
-- event that changes a list writes its region's new count at its own height first; the
-- revocations and the credentials listed follow only where that row was written.
CREATE VIEW list_events AS SELECT height, type, payload FROM events WHERE 0;

CREATE TRIGGER list_events_apply INSTEAD OF INSERT ON list_events
BEGIN
    INSERT INTO credential_regions (region, height, n)
        SELECT json_extract(NEW.payload, '$.region'), NEW.height,
            json_array_length(NEW.payload, '$.public_credentials')
        WHERE NEW.type = 'credentials' AND NOT EXISTS (
            SELECT 1 FROM credential_regions
            WHERE region = (SELECT json_extract(NEW.payload, '$.region'))
        );
    INSERT INTO credential_regions (region, height, n)
        SELECT region, NEW.height, n - (
            SELECT count(*) FROM credential_index
            WHERE region = (SELECT json_extract(NEW.payload, '$.region')) AND revoked_at IS NULL
                AND credential IN (SELECT value FROM json_each(NEW.payload, '$.revoked'))
        ) + json_array_length(NEW.payload, '$.public_credentials')
        FROM credential_regions
        WHERE NEW.type = 'credentials.reissue'
            AND region = (SELECT json_extract(NEW.payload, '$.region'))
            AND NOT EXISTS (
                SELECT 1 FROM events WHERE type = 'voting.open' AND height < NEW.height
            )
        ORDER BY height DESC LIMIT 1;
    UPDATE credential_index SET revoked_at = NEW.height
        WHERE NEW.type = 'credentials.reissue'
            AND EXISTS (SELECT 1 FROM credential_regions WHERE height = NEW.height)
            AND region = (SELECT json_extract(NEW.payload, '$.region')) AND revoked_at IS NULL
            AND credential IN (SELECT value FROM json_each(NEW.payload, '$.revoked'));
    -- the region read from the row just written (json_extract in a select list or a WHERE
    -- clause is evaluated again for every row, parsing the whole list each time; a scalar
    -- subquery of it above is evaluated once)
    INSERT INTO credential_index (credential, region, listed_at)
        SELECT e.value, r.region, NEW.height
        FROM credential_regions r, json_each(NEW.payload, '$.public_credentials') e
        WHERE r.height = NEW.height
        ON CONFLICT (credential) DO NOTHING;
END;

INSERT INTO list_events (height, type, payload)
    SELECT height, type, payload FROM events
    WHERE type IN ('credentials', 'credentials.reissue') ORDER BY height;

CREATE TRIGGER events_lists AFTER INSERT ON events
WHEN NEW.type IN ('credentials', 'credentials.reissue')
BEGIN
    INSERT INTO list_events (height, type, payload) VALUES (NEW.height, NEW.type, NEW.payload);
END;

INSERT INTO region_ballots (type, region, n)
    SELECT type, coalesce(json_extract(payload, '$.region'), ''), count(*) FROM events
    WHERE type IN ('ballot.accepted', 'ballot.deniable') GROUP BY 1, 2;

CREATE TRIGGER events_region_ballots AFTER INSERT ON events
WHEN NEW.type IN ('ballot.accepted', 'ballot.deniable')
BEGIN
    INSERT INTO region_ballots (type, region, n)
        VALUES (NEW.type, coalesce(json_extract(NEW.payload, '$.region'), ''), 1)
        ON CONFLICT (type, region) DO UPDATE SET n = n + 1;
END;
