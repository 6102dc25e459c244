-- Paid-traffic audit log (REQUIREMENTS §10, issue 5): every recommended change, every
-- decision on it, and manual holds.
CREATE TABLE IF NOT EXISTS bid_changes (
    id          BIGSERIAL PRIMARY KEY,
    shop        TEXT NOT NULL,
    rec_id      TEXT NOT NULL,          -- 'date:plan:action[:target]'
    date        TEXT NOT NULL,          -- review date it was recommended on
    plan_id     TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_value  DOUBLE PRECISION,
    to_value    DOUBLE PRECISION,
    target      TEXT,
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'proposed'
                CHECK (status IN ('proposed', 'approved', 'rejected', 'applied')),
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,          -- Asia/Shanghai local time of the last status change
    UNIQUE (shop, rec_id)
);
CREATE TABLE IF NOT EXISTS bid_change_log (
    id          BIGSERIAL PRIMARY KEY,
    change_id   BIGINT NOT NULL REFERENCES bid_changes (id),
    status      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT,
    at          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_holds (
    shop        TEXT NOT NULL,
    plan_id     TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT,
    at          TEXT NOT NULL,
    PRIMARY KEY (shop, plan_id)
);
