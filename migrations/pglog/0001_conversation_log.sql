-- The conversation log on PostgreSQL: the same rows as the SQLite log (migrations/log), plus each
-- running turn's owner (an instance and its lease), its stop flag and whether anyone elsewhere
-- follows it. Times that the API shows are ISO text, as in SQLite, so both logs hash and page
-- alike; leases are the database's own clock (timestamptz), so instances need no common clock.

-- Ids and times compare byte by byte (COLLATE "C"), as in SQLite, whatever the database's locale:
-- the list's order and its page cursor are the same on both logs.
CREATE TABLE conversations (
    id            TEXT COLLATE "C" PRIMARY KEY,
    owner         TEXT NOT NULL DEFAULT '',
    case_id       TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL,
    last_outcome  TEXT,
    pending       TEXT NOT NULL DEFAULT '{}',
    title         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT COLLATE "C" NOT NULL,
    deleted_at    TEXT
);
CREATE INDEX conversations_by_owner ON conversations (owner, updated_at DESC, id DESC) WHERE deleted_at IS NULL;

CREATE TABLE turns (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT COLLATE "C" NOT NULL REFERENCES conversations (id),
    confirm_type    INTEGER NOT NULL,
    handler         TEXT NOT NULL,
    question        TEXT NOT NULL,
    request         TEXT NOT NULL,
    state           TEXT NOT NULL,          -- running, then the done.state
    first_event_id  BIGINT NOT NULL,
    last_event_id   BIGINT,
    started_at      TEXT NOT NULL,
    ended_at        TEXT,
    instance_id     TEXT NOT NULL,          -- the process that ran it
    lease_until     TIMESTAMPTZ,            -- while running: renewed by its instance, else it lapses
    stop_requested  BOOLEAN NOT NULL DEFAULT false,
    watched_until   TIMESTAMPTZ             -- someone on another instance follows it until then
);
CREATE INDEX turns_by_conversation ON turns (conversation_id, first_event_id);
-- One running turn per conversation, whatever the instances do.
CREATE UNIQUE INDEX turns_one_running ON turns (conversation_id) WHERE state = 'running';

CREATE TABLE events (
    conversation_id TEXT COLLATE "C" NOT NULL,
    id              BIGINT NOT NULL,
    turn_id         TEXT NOT NULL,
    event           TEXT NOT NULL,
    data            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    hash            TEXT NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),  -- qbot/chain.py
    PRIMARY KEY (conversation_id, id)
);

-- Append-only: an event once written is never changed or removed.
CREATE FUNCTION qbot_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END $$;
CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION qbot_events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION qbot_events_append_only();
