-- Evidence store: cases -> packages -> nodes -> records, every record citing its source row.
-- All times are INTEGER milliseconds since 1970-01-01T00:00:00Z (UTC); importers convert each
-- source's epoch and unit. Shown and bucketed in the case's time zone by the readers.

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    region      TEXT NOT NULL DEFAULT 'CN',          -- default region for phone numbers
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created     INTEGER NOT NULL
);
-- At most one default case: `case_id: ""` must resolve to exactly one.
CREATE UNIQUE INDEX cases_single_default ON cases (is_default) WHERE is_default = 1;

-- One extraction (e.g. one phone) of a case.
CREATE TABLE packages (
    id       INTEGER PRIMARY KEY,
    case_id  TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    owner    TEXT NOT NULL DEFAULT '{}',              -- JSON {"numbers": [...], "accounts": [...]}
    created  INTEGER NOT NULL,
    UNIQUE (case_id, name)
);

-- The examiner's tree: category/app/data type, e.g. 基本信息/电话/通话记录.
CREATE TABLE nodes (
    id            INTEGER PRIMARY KEY,
    package_id    INTEGER NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    category      TEXT NOT NULL,
    app           TEXT NOT NULL,
    data_type     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('calls', 'messages', 'contacts')),
    -- Kept up to date by the importer in the same transaction as the records.
    record_count  INTEGER NOT NULL DEFAULT 0,
    first_time    INTEGER,
    last_time     INTEGER,
    UNIQUE (package_id, path)
);

-- Each imported evidence file, once per case: re-importing the same bytes adds nothing.
CREATE TABLE source_files (
    id           INTEGER PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    package_id   INTEGER NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    sha256       TEXT NOT NULL,                       -- of the main file, as found
    wal_sha256   TEXT NOT NULL DEFAULT '',            -- of its -wal file, '' when none
    file_name    TEXT NOT NULL,
    path         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    wal_size     INTEGER NOT NULL DEFAULT 0,
    format       TEXT NOT NULL,                       -- detected from the schema
    imported_at  INTEGER NOT NULL,
    UNIQUE (case_id, sha256, wal_sha256)
);

-- One person (or group chat, or account) per case, whatever the number's spelling.
CREATE TABLE counterparts (
    id            INTEGER PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,      -- E.164 '+8613900000002', 'wechat:wxid_x', 'email:a@b', 'raw:10086'
    kind          TEXT NOT NULL,      -- phone | wechat | chatroom | email | other
    number        TEXT,               -- E.164 when kind = 'phone'
    display_name  TEXT,               -- first name seen for it (contacts preferred)
    UNIQUE (case_id, key)
);

CREATE TABLE calls (
    id              INTEGER PRIMARY KEY,
    node_id         INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    counterpart_id  INTEGER REFERENCES counterparts (id),   -- NULL: number withheld / unknown
    number          TEXT,             -- as written in the source
    name            TEXT,             -- name cached in the source row, if any
    direction       TEXT CHECK (direction IN ('in', 'out')),
    status          TEXT NOT NULL,    -- answered | unanswered | missed | rejected | blocked | voicemail | answered_elsewhere | unknown
    media           TEXT NOT NULL DEFAULT 'voice',          -- voice | video
    start           INTEGER NOT NULL,
    duration        INTEGER NOT NULL DEFAULT 0,             -- seconds
    source_file_id  INTEGER NOT NULL REFERENCES source_files (id),
    source_table    TEXT NOT NULL,
    source_rowid    INTEGER NOT NULL
);
CREATE INDEX calls_node_start ON calls (node_id, start, counterpart_id, duration, direction, status);
CREATE INDEX calls_counterpart ON calls (counterpart_id, start);

-- Calls rolled up per node, counterpart (0 = none) and fixed 30-day bucket of `start`, so a
-- ranking over a long period reads buckets and only the partial buckets at its edges read rows.
CREATE TABLE call_buckets (
    node_id         INTEGER NOT NULL,
    bucket          INTEGER NOT NULL,                       -- start / 2592000000
    counterpart_id  INTEGER NOT NULL,
    calls           INTEGER NOT NULL,
    duration        INTEGER NOT NULL,
    incoming        INTEGER NOT NULL,
    outgoing        INTEGER NOT NULL,
    missed          INTEGER NOT NULL,
    first           INTEGER NOT NULL,
    last            INTEGER NOT NULL,
    PRIMARY KEY (node_id, bucket, counterpart_id)
) WITHOUT ROWID;

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    node_id         INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    counterpart_id  INTEGER REFERENCES counterparts (id),   -- the other party: a person, or the group chat
    sender_id       INTEGER REFERENCES counterparts (id),   -- in a group chat: the member who wrote it
    address         TEXT,             -- as written in the source
    direction       TEXT CHECK (direction IN ('in', 'out')),
    time            INTEGER NOT NULL,
    body            TEXT,
    kind            TEXT NOT NULL DEFAULT 'text',           -- text | image | voice | video | link | system | other
    status          TEXT,             -- source-specific delivery state (sms: received, sent, draft, ...)
    is_group        INTEGER NOT NULL DEFAULT 0,
    chat            TEXT,             -- conversation id in the source (thread, chat guid, talker)
    source_file_id  INTEGER NOT NULL REFERENCES source_files (id),
    source_table    TEXT NOT NULL,
    source_rowid    INTEGER NOT NULL
);
CREATE INDEX messages_node_time ON messages (node_id, time);
CREATE INDEX messages_counterpart ON messages (counterpart_id, time);

CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY,
    node_id         INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    counterpart_id  INTEGER REFERENCES counterparts (id),   -- NULL: an entry with no number/account
    name            TEXT,
    number          TEXT,             -- number, e-mail or account as written in the source
    label           TEXT,
    source_file_id  INTEGER NOT NULL REFERENCES source_files (id),
    source_table    TEXT NOT NULL,
    source_rowid    INTEGER NOT NULL
);
CREATE INDEX contacts_node ON contacts (node_id);
CREATE INDEX contacts_counterpart ON contacts (counterpart_id);
