-- Tamper evidence: each event carries a hash chained to the previous event of its conversation
-- (qbot/chain.py says how it is computed). The writer fills it for every new event; events of an
-- older log are chained by the Python step below, in this migration's transaction.
-- python: qbot.chain:seal_legacy_events

ALTER TABLE events ADD COLUMN hash TEXT;

-- Every event written from now on carries its hash.
CREATE TRIGGER events_hash_required BEFORE INSERT ON events WHEN NEW.hash IS NULL
BEGIN SELECT RAISE(ABORT, 'events must carry their chain hash'); END;

-- Still append-only, with one exception: a row without a hash (one that predates the chain) may
-- be given one, once, with nothing else changed. That is how the step above seals old events.
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT (OLD.hash IS NULL AND NEW.hash IS NOT NULL
          AND NEW.conversation_id IS OLD.conversation_id AND NEW.id IS OLD.id
          AND NEW.turn_id IS OLD.turn_id AND NEW.event IS OLD.event AND NEW.data IS OLD.data
          AND NEW.created_at IS OLD.created_at)
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
