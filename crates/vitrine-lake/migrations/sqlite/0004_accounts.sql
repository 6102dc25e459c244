-- Accounts (issue 8): users with argon2 password hashes, per-shop roles, browser sessions,
-- API tokens and failed logins for rate limiting. Secrets are stored only as hashes.
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,        -- PHC string (argon2id)
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shop        TEXT NOT NULL,          -- a shop id, or '*' for every shop
    role        TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    PRIMARY KEY (user_id, shop)
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash  TEXT PRIMARY KEY,       -- sha256 of the cookie value, hex
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL           -- UTC, RFC 3339 with Z
);
CREATE TABLE IF NOT EXISTS api_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS login_failures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    ip          TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (name, ip, at);
