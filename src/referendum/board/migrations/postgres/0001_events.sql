-- 0001: the event log, its key index, append-only and chain-link triggers (PostgreSQL).
-- Runs with search_path set to the board's schema.
CREATE TABLE events (
    height    bigint PRIMARY KEY CHECK (height >= 0),
    parent    text NOT NULL CHECK (parent ~ '^[0-9a-f]{64}$'),
    type      text NOT NULL,
    timestamp text NOT NULL,
    payload   text NOT NULL,
    hash      text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    -- Two appenders at the same head insert the same height and the same parent: the unique
    -- indexes let exactly one of them commit.
    CONSTRAINT events_parent_unique UNIQUE (parent),
    CONSTRAINT events_hash_unique UNIQUE (hash)
);

CREATE INDEX events_type_height ON events (type, height);

CREATE TABLE event_keys (
    key    text NOT NULL,
    height bigint NOT NULL REFERENCES events (height),
    PRIMARY KEY (key, height)
);

CREATE FUNCTION events_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    below events%ROWTYPE;
BEGIN
    IF NEW.height = 0 THEN
        IF NEW.parent <> repeat('0', 64) THEN
            RAISE EXCEPTION 'events: the genesis event needs the all-zero parent'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    SELECT * INTO below FROM events WHERE height = NEW.height - 1;
    IF NOT FOUND OR below.hash <> NEW.parent THEN
        RAISE EXCEPTION 'events: parent is not the hash of the event one lower'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.timestamp < below.timestamp THEN
        RAISE EXCEPTION 'events: timestamp earlier than the parent''s'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER events_link BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_link();

CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is forbidden', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
CREATE TRIGGER event_keys_no_update BEFORE UPDATE OR DELETE ON event_keys
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER event_keys_no_truncate BEFORE TRUNCATE ON event_keys
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
