-- 0006: the counts of events by type (0003) and of ballots by region (0004) kept by statement
-- triggers over the rows an INSERT adds (a transition table), instead of a trigger per row:
-- the board inserts a batch of events in one statement, so a batch of ballots updates each
-- count row once, not once per ballot.  Same counts; the chain-link trigger (0001) and the
-- credential lists' trigger (0004) stay per row.  Runs with search_path set to the board's
-- schema.
CREATE FUNCTION events_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_counts (type, n)
        SELECT type, count(*) FROM inserted GROUP BY type
        ON CONFLICT (type) DO UPDATE SET n = event_counts.n + EXCLUDED.n;
    INSERT INTO region_ballots (type, region, n)
        SELECT type, coalesce(payload::json ->> 'region', ''), count(*) FROM inserted
        WHERE type IN ('ballot.accepted', 'ballot.deniable') GROUP BY 1, 2
        ON CONFLICT (type, region) DO UPDATE SET n = region_ballots.n + EXCLUDED.n;
    RETURN NULL;
END;
$$;

DROP TRIGGER events_count ON events;
DROP TRIGGER events_region_ballots ON events;
CREATE TRIGGER events_count_inserted AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION events_count_inserted();
