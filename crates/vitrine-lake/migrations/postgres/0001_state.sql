-- Targets, alerts and their history. Versioned; run at start by sqlx::migrate!.
CREATE TABLE IF NOT EXISTS targets (
    shop        TEXT NOT NULL,
    metric      TEXT NOT NULL,
    scope       TEXT NOT NULL DEFAULT '',
    period      TEXT NOT NULL,          -- 'year:2026', 'month:2026-11', 'day:2026-11-21'
    value       DOUBLE PRECISION NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (shop, metric, scope, period)
);

CREATE TABLE IF NOT EXISTS alerts (
    id           BIGSERIAL PRIMARY KEY,
    fingerprint  TEXT NOT NULL UNIQUE,  -- shop|rule|metric|scope: repeats update, never duplicate
    shop         TEXT NOT NULL,
    rule         TEXT NOT NULL,
    metric       TEXT NOT NULL,
    scope        TEXT NOT NULL,
    severity     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    owner        TEXT,
    first_date   TEXT NOT NULL,
    last_date    TEXT NOT NULL,
    occurrences  BIGINT NOT NULL DEFAULT 1,
    due_at       TEXT NOT NULL,
    message      TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS alert_history (
    id          BIGSERIAL PRIMARY KEY,
    alert_id    BIGINT NOT NULL REFERENCES alerts(id),
    at          TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT
);
CREATE INDEX IF NOT EXISTS alert_history_alert ON alert_history(alert_id);
