-- Events in a rowid table instead of WITHOUT ROWID: new events then append at the table's end
-- (their key starts with a random conversation id, so a WITHOUT ROWID table put each on some
-- half-full page), and large data no longer splits the key's b-tree into overflow pages. The
-- rows, their order and their hashes are unchanged: the chain holds as before.

CREATE TABLE events_by_rowid (
    conversation_id TEXT NOT NULL,
    id              INTEGER NOT NULL,       -- the SSE id, strictly increasing per conversation
    turn_id         TEXT NOT NULL,
    event           TEXT NOT NULL,
    data            TEXT NOT NULL,          -- the JSON sent as data:
    created_at      TEXT NOT NULL,
    hash            TEXT,
    PRIMARY KEY (conversation_id, id)
);
INSERT INTO events_by_rowid (conversation_id, id, turn_id, event, data, created_at, hash)
    SELECT conversation_id, id, turn_id, event, data, created_at, hash FROM events ORDER BY conversation_id, id;
-- Dropping a table removes its rows without firing its delete trigger; the triggers go with it.
DROP TABLE events;
ALTER TABLE events_by_rowid RENAME TO events;

-- The triggers of 0001 and 0002, again: append-only, hash required, a missing hash sealed once.
CREATE TRIGGER events_hash_required BEFORE INSERT ON events WHEN NEW.hash IS NULL
BEGIN SELECT RAISE(ABORT, 'events must carry their chain hash'); END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT (OLD.hash IS NULL AND NEW.hash IS NOT NULL
          AND NEW.conversation_id IS OLD.conversation_id AND NEW.id IS OLD.id
          AND NEW.turn_id IS OLD.turn_id AND NEW.event IS OLD.event AND NEW.data IS OLD.data
          AND NEW.created_at IS OLD.created_at)
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
