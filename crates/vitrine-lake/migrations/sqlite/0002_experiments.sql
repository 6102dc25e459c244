-- Experiment registry (REQUIREMENTS §8): what is tested, on which units, for how long.
CREATE TABLE IF NOT EXISTS experiments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    shop        TEXT NOT NULL,
    name        TEXT NOT NULL,
    hypothesis  TEXT NOT NULL,
    metric      TEXT NOT NULL,          -- catalog metric id, e.g. 'ctr'
    unit        TEXT NOT NULL,          -- unit of assignment: 'user', 'impression', 'plan', …
    variants    TEXT NOT NULL,          -- JSON [{"name": "A", "scope": "creative=C1"}, …]; first is control
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,
    min_days    INTEGER NOT NULL DEFAULT 7,
    planned_n   REAL,
    owner       TEXT,
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('draft', 'running', 'stopped', 'shipped')),
    created_at  TEXT NOT NULL,
    UNIQUE (shop, name)
);
