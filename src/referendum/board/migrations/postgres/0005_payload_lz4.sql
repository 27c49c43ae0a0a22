-- 0005: new events' payloads are compressed with lz4 instead of pglz, where the server has it
-- (PostgreSQL 14 and newer built with lz4, as Debian's are).  A ballot's payload (2-3 KB of
-- hex) is over the TOAST threshold, so each insert tries to compress it; pglz spends about
-- twice lz4's CPU on that and saves no more on hex (measured: 20,000 rows of 2.3 KB, docs/
-- performance.md "Casting over HTTP").  Rows stored earlier keep their compression; reading
-- either is transparent.  Runs with search_path set to the board's schema.
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_settings
        WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)
    ) THEN
        ALTER TABLE events ALTER COLUMN payload SET COMPRESSION lz4;
    END IF;
END;
$$;
