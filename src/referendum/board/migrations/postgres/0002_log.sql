-- 0002: the Merkle tree over the events and the signed checkpoints of it (PostgreSQL).
-- log_nodes holds every complete perfect subtree: node = level * 2^56 + index, so a leaf's
-- node is its event's height; hash is 32 bytes (docs/spec/log.md section 1).  The board fills
-- it in the transaction that appends the events, and on opening a board that predates this
-- migration it computes the nodes of the events already there.
CREATE TABLE log_nodes (
    node bigint PRIMARY KEY CHECK (node >= 0),
    hash bytea NOT NULL CHECK (length(hash) = 32)
);

-- One row per signed checkpoint (the signed note's text), ascending size.
CREATE TABLE log_checkpoints (
    size bigint PRIMARY KEY CHECK (size >= 0),
    note text NOT NULL
);

CREATE TRIGGER log_nodes_no_update BEFORE UPDATE OR DELETE ON log_nodes
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER log_nodes_no_truncate BEFORE TRUNCATE ON log_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE OR DELETE ON log_checkpoints
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER log_checkpoints_no_truncate BEFORE TRUNCATE ON log_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- Sizes only grow: a checkpoint no larger than the last one is refused.
CREATE FUNCTION log_checkpoints_grow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.size <= (SELECT max(size) FROM log_checkpoints) THEN
        RAISE EXCEPTION 'log_checkpoints: a checkpoint must be larger than the last one'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER log_checkpoints_grow BEFORE INSERT ON log_checkpoints
    FOR EACH ROW EXECUTE FUNCTION log_checkpoints_grow();
