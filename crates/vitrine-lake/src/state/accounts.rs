//! Accounts: users, their roles per shop, browser sessions, API tokens and failed logins.
//! Only hashes of secrets are stored; hashing and token generation belong to the server.

use serde::Serialize;
use sqlx::Row;

use super::{db, State};
use crate::LakeError;

/// What a user may do in a shop; each role can do everything the ones below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads every page of the shop.
    Viewer,
    /// Also acknowledges alerts, decides recommendations, edits targets and imports.
    Operator,
    /// Also manages the shop's users.
    Admin,
}

impl Role {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    /// Parses `admin`, `operator` or `viewer`.
    pub fn parse(s: &str) -> Result<Role, LakeError> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "operator" => Ok(Role::Operator),
            "admin" => Ok(Role::Admin),
            _ => Err(LakeError::State(format!(
                "unknown role `{s}` (admin, operator, viewer)"
            ))),
        }
    }
}

/// A role granted on one shop, or on every shop when `shop` is `*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub shop: String,
    pub role: Role,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub name: String,
    /// PHC string of the password hash.
    pub password_hash: String,
}

/// Folds `(id, name, shop?, role?, [csrf])` rows of one user into the user and grants.
fn identity(
    rows: Vec<sqlx::any::AnyRow>,
) -> Result<Option<(i64, String, String, Vec<Grant>)>, LakeError> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let (id, name): (i64, String) = (first.get(0), first.get(1));
    let csrf: String = if first.len() > 4 {
        first.get(4)
    } else {
        String::new()
    };
    let grants = rows
        .iter()
        .filter_map(|r| {
            let shop: Option<String> = r.get(2);
            let role: Option<String> = r.get(3);
            Some((shop?, role?))
        })
        .map(|(shop, role)| {
            Ok(Grant {
                shop,
                role: Role::parse(&role)?,
            })
        })
        .collect::<Result<_, LakeError>>()?;
    Ok(Some((id, name, csrf, grants)))
}

/// The current UTC time in the one format stored timestamps use, so they compare as text.
pub fn utc_stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl State {
    /// Adds a user, or replaces the password of an existing one; returns the user id.
    pub async fn upsert_user(&self, name: &str, password_hash: &str) -> Result<i64, LakeError> {
        let row = sqlx::query("INSERT INTO users (name, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash RETURNING id")
            .bind(name).bind(password_hash).bind(utc_stamp(chrono::Utc::now()))
            .fetch_one(&self.pool).await.map_err(db)?;
        Ok(row.get(0))
    }

    /// Grants `role` on `shop` (`*` for every shop), replacing an earlier grant there.
    pub async fn grant(&self, user_id: i64, shop: &str, role: Role) -> Result<(), LakeError> {
        sqlx::query("INSERT INTO grants (user_id, shop, role) VALUES ($1, $2, $3) ON CONFLICT (user_id, shop) DO UPDATE SET role = excluded.role")
            .bind(user_id).bind(shop).bind(role.as_str())
            .execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    /// Removes a user's grant on a shop.
    pub async fn revoke_grant(&self, user_id: i64, shop: &str) -> Result<(), LakeError> {
        sqlx::query("DELETE FROM grants WHERE user_id = $1 AND shop = $2")
            .bind(user_id)
            .bind(shop)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// A user by name.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>, LakeError> {
        let row = sqlx::query("SELECT id, name, password_hash FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(row.map(|r| UserRecord {
            id: r.get(0),
            name: r.get(1),
            password_hash: r.get(2),
        }))
    }

    /// A user's name and grants.
    pub async fn user_grants(&self, user_id: i64) -> Result<(String, Vec<Grant>), LakeError> {
        let name: String = sqlx::query("SELECT name FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or_else(|| LakeError::State(format!("no user with id {user_id}")))?
            .get(0);
        let rows = sqlx::query("SELECT shop, role FROM grants WHERE user_id = $1 ORDER BY shop")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let grants = rows
            .into_iter()
            .map(|r| {
                Ok(Grant {
                    shop: r.get(0),
                    role: Role::parse(&r.get::<String, _>(1))?,
                })
            })
            .collect::<Result<_, LakeError>>()?;
        Ok((name, grants))
    }

    /// Who holds a live API token: id, name and grants, in one query (every API call asks).
    pub async fn token_identity(
        &self,
        token_hash: &str,
    ) -> Result<Option<(i64, String, Vec<Grant>)>, LakeError> {
        let rows = sqlx::query("SELECT u.id, u.name, g.shop, g.role FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN grants g ON g.user_id = u.id WHERE t.token_hash = $1 AND t.revoked = 0 ORDER BY g.shop")
            .bind(token_hash).fetch_all(&self.pool).await.map_err(db)?;
        identity(rows).map(|o| o.map(|(id, name, _, grants)| (id, name, grants)))
    }

    /// Who holds a session that has not expired at `now`: id, name, CSRF token and grants,
    /// in one query.
    pub async fn session_identity(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<(i64, String, String, Vec<Grant>)>, LakeError> {
        let rows = sqlx::query("SELECT u.id, u.name, g.shop, g.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN grants g ON g.user_id = u.id WHERE s.token_hash = $1 AND s.expires_at > $2 ORDER BY g.shop")
            .bind(token_hash).bind(now).fetch_all(&self.pool).await.map_err(db)?;
        identity(rows)
    }

    /// Every user with their grants, by name.
    pub async fn users(&self) -> Result<Vec<(i64, String, Vec<Grant>)>, LakeError> {
        let rows = sqlx::query("SELECT id FROM users ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.get(0);
            let (name, grants) = self.user_grants(id).await?;
            out.push((id, name, grants));
        }
        Ok(out)
    }

    /// Stores a session under the hash of its cookie value.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: &str,
    ) -> Result<(), LakeError> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(user_id).bind(csrf).bind(utc_stamp(chrono::Utc::now())).bind(expires_at)
            .execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    /// Ends a session, and drops every session that expired before `now`.
    pub async fn end_session(&self, token_hash: &str, now: &str) -> Result<(), LakeError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Stores an API token under its hash; returns its id.
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> Result<i64, LakeError> {
        let row = sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(user_id).bind(name).bind(token_hash).bind(utc_stamp(chrono::Utc::now()))
            .fetch_one(&self.pool).await.map_err(db)?;
        Ok(row.get(0))
    }

    /// Revokes one of a user's API tokens; false when the user has no such token.
    pub async fn revoke_api_token(&self, user_id: i64, id: i64) -> Result<bool, LakeError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failed login for `name` from `ip`.
    pub async fn record_login_failure(&self, name: &str, ip: &str) -> Result<(), LakeError> {
        sqlx::query("INSERT INTO login_failures (name, ip, at) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(ip)
            .bind(utc_stamp(chrono::Utc::now()))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Forgets failed logins recorded before `before` (older than any lockout window).
    pub async fn forget_login_failures(&self, before: &str) -> Result<u64, LakeError> {
        let done = sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }

    /// Failed logins for `name` from `ip` at or after `since`, and the oldest of them.
    pub async fn login_failures(
        &self,
        name: &str,
        ip: &str,
        since: &str,
    ) -> Result<(i64, Option<String>), LakeError> {
        let row = sqlx::query(
            "SELECT COUNT(*), MIN(at) FROM login_failures WHERE name = $1 AND ip = $2 AND at >= $3",
        )
        .bind(name)
        .bind(ip)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok((row.get(0), row.get(1)))
    }

    /// Forgets failed logins for `name` from `ip` (after a successful one).
    pub async fn clear_login_failures(&self, name: &str, ip: &str) -> Result<(), LakeError> {
        sqlx::query("DELETE FROM login_failures WHERE name = $1 AND ip = $2")
            .bind(name)
            .bind(ip)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }
}
