-- The evidence store stays a SQLite file in each instance's data_dir, immutable once imported:
-- every instance must serve the same file. Its sha256 is recorded here by `qbot import` (and by
-- the first instance to start), and `qbot serve` refuses a copy that differs.
CREATE TABLE evidence_copy (
    one          BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),  -- a single row
    sha256       TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL  -- the host and data_dir it was recorded from
);
