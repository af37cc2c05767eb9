-- The conversation log: what each examiner asked and was shown, in order.

CREATE TABLE conversations (
    id            TEXT PRIMARY KEY,
    owner         TEXT NOT NULL DEFAULT '',
    case_id       TEXT NOT NULL DEFAULT '',
    -- where the workflow stands: new, awaiting_start, awaiting_filter, completed
    state         TEXT NOT NULL,
    -- what the last turn ended as (done.state), for listings
    last_outcome  TEXT,
    -- JSON carried between turns: question, plan, proposed form
    pending       TEXT NOT NULL DEFAULT '{}',
    title         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    -- a deleted conversation is hidden, but its events stay: they are the audit trail
    deleted_at    TEXT
);
CREATE INDEX conversations_by_update ON conversations (updated_at DESC, id);

CREATE TABLE turns (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    confirm_type    INTEGER NOT NULL,
    handler         TEXT NOT NULL,
    question        TEXT NOT NULL,
    request         TEXT NOT NULL,          -- the POST body as JSON
    state           TEXT NOT NULL,          -- running, then the done.state
    first_event_id  INTEGER NOT NULL,
    last_event_id   INTEGER,
    started_at      TEXT NOT NULL,
    ended_at        TEXT
);
CREATE INDEX turns_by_conversation ON turns (conversation_id, first_event_id);
CREATE INDEX turns_running ON turns (state) WHERE state = 'running';

CREATE TABLE events (
    conversation_id TEXT NOT NULL,
    id              INTEGER NOT NULL,       -- the SSE id, strictly increasing per conversation
    turn_id         TEXT NOT NULL,
    event           TEXT NOT NULL,
    data            TEXT NOT NULL,          -- the JSON sent as data:
    created_at      TEXT NOT NULL,
    PRIMARY KEY (conversation_id, id)
) WITHOUT ROWID;

-- Append-only: an event once written is never changed or removed.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
