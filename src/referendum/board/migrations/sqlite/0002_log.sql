-- 0002: the Merkle tree over the events and the signed checkpoints of it (SQLite).
-- log_nodes holds every complete perfect subtree: node = level * 2^56 + index, so a leaf's
-- node is its event's height; hash is 32 bytes (docs/spec/log.md section 1).  The board fills
-- it in the transaction that appends the events, and on opening a board that predates this
-- migration it computes the nodes of the events already there.
CREATE TABLE log_nodes (
    node INTEGER PRIMARY KEY CHECK (node >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

-- One row per signed checkpoint (the signed note's text), ascending size.
CREATE TABLE log_checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 0),
    note TEXT NOT NULL
) STRICT;

CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes
BEGIN
    SELECT RAISE(ABORT, 'log_nodes are append-only: UPDATE is forbidden');
END;

CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes
BEGIN
    SELECT RAISE(ABORT, 'log_nodes are append-only: DELETE is forbidden');
END;

CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE ON log_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'log_checkpoints are append-only: UPDATE is forbidden');
END;

CREATE TRIGGER log_checkpoints_no_delete BEFORE DELETE ON log_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'log_checkpoints are append-only: DELETE is forbidden');
END;

-- Sizes only grow: a checkpoint no larger than the last one is refused.
CREATE TRIGGER log_checkpoints_grow BEFORE INSERT ON log_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'log_checkpoints: a checkpoint must be larger than the last one')
    WHERE NEW.size <= (SELECT max(size) FROM log_checkpoints);
END;
