-- 0004: the credential lists and the ballots of each region, kept in each append's
-- transaction, so that a server looks a credential up in an index instead of holding the
-- electorate in memory, and counts a region's ballots in one row (docs/board.md, "Credential
-- lists").  Derived data, as event_counts: the record never holds it, a verifier never reads
-- it.  The rules are those of referendum.protocol.electorate (a second list of a region, a
-- reissue after voting.open or of a region without a list change nothing).  A board that
-- predates this migration is indexed once here.  Runs with search_path set to the board's
-- schema.

-- Every credential ever listed: its region, the height of the event that listed it and of
-- the reissue that revoked it (NULL: not revoked), so that the lists are read as of any height
-- (a state answers as of the head it was loaded at).
CREATE TABLE credential_index (
    credential text PRIMARY KEY,
    region     text NOT NULL,
    listed_at  bigint NOT NULL,
    revoked_at bigint
);

-- How many credentials a region's list holds after each event that changed it.
CREATE TABLE credential_regions (
    region text NOT NULL,
    height bigint NOT NULL,
    n      bigint NOT NULL CHECK (n >= 0),
    PRIMARY KEY (region, height)
);

-- Ballots of each type (ballot.accepted, ballot.deniable) in each region.
CREATE TABLE region_ballots (
    type   text NOT NULL,
    region text NOT NULL,
    n      bigint NOT NULL CHECK (n >= 0),
    PRIMARY KEY (type, region)
);

-- The one definition of how a list event changes the index (called by the events trigger
-- below, and once here for the events already on the board).
CREATE FUNCTION apply_list_event(at bigint, kind text, body text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    doc jsonb := body::jsonb;
    area text := doc ->> 'region';
BEGIN
    IF kind = 'credentials' THEN
        IF EXISTS (SELECT 1 FROM credential_regions WHERE region = area) THEN
            RETURN;
        END IF;
        INSERT INTO credential_regions (region, height, n)
            VALUES (area, at, jsonb_array_length(doc -> 'public_credentials'));
        INSERT INTO credential_index (credential, region, listed_at)
            SELECT value, area, at FROM jsonb_array_elements_text(doc -> 'public_credentials')
            ON CONFLICT (credential) DO NOTHING;
    ELSIF kind = 'credentials.reissue' THEN
        IF NOT EXISTS (SELECT 1 FROM credential_regions WHERE region = area)
            OR EXISTS (SELECT 1 FROM events WHERE type = 'voting.open' AND height < at) THEN
            RETURN;
        END IF;
        INSERT INTO credential_regions (region, height, n)
            SELECT region, at, n - (
                SELECT count(*) FROM credential_index
                WHERE region = area AND revoked_at IS NULL
                    AND credential IN (SELECT jsonb_array_elements_text(doc -> 'revoked'))
            ) + jsonb_array_length(doc -> 'public_credentials')
            FROM credential_regions WHERE region = area ORDER BY height DESC LIMIT 1;
        UPDATE credential_index SET revoked_at = at
            WHERE region = area AND revoked_at IS NULL
                AND credential IN (SELECT jsonb_array_elements_text(doc -> 'revoked'));
        INSERT INTO credential_index (credential, region, listed_at)
            SELECT value, area, at FROM jsonb_array_elements_text(doc -> 'public_credentials')
            ON CONFLICT (credential) DO NOTHING;
    END IF;
END;
$$;

DO $$
DECLARE
    ev record;
BEGIN
    FOR ev IN SELECT height, type, payload FROM events
        WHERE type IN ('credentials', 'credentials.reissue') ORDER BY height
    LOOP
        PERFORM apply_list_event(ev.height, ev.type, ev.payload);
    END LOOP;
END;
$$;

CREATE FUNCTION events_lists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_list_event(NEW.height, NEW.type, NEW.payload);
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_lists AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.type IN ('credentials', 'credentials.reissue'))
    EXECUTE FUNCTION events_lists();

INSERT INTO region_ballots (type, region, n)
    SELECT type, coalesce(payload::json ->> 'region', ''), count(*) FROM events
    WHERE type IN ('ballot.accepted', 'ballot.deniable') GROUP BY 1, 2;

CREATE FUNCTION events_region_ballots() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO region_ballots (type, region, n)
        VALUES (NEW.type, coalesce(NEW.payload::json ->> 'region', ''), 1)
        ON CONFLICT (type, region) DO UPDATE SET n = region_ballots.n + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_region_ballots AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.type IN ('ballot.accepted', 'ballot.deniable'))
    EXECUTE FUNCTION events_region_ballots();
