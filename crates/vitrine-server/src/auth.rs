//! Who is calling: password hashing (argon2id), browser sessions with a CSRF token, API
//! tokens, login rate limiting, and role checks per shop.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};
use chrono::Utc;
use serde::Serialize;
use vitrine_lake::{utc_stamp, Grant, Role, State};

pub use vitrine_app::accounts::*;

use crate::error::ApiError;
use crate::Shared;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "vitrine_session";
/// The header a browser session sends its CSRF token in on every state-changing request.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts: a working day and then some.
pub const SESSION_HOURS: i64 = 12;
/// Failed logins allowed per name and address in [`LOCKOUT_MINUTES`].
pub const MAX_FAILURES: i64 = 5;
/// The window failed logins are counted in, and how long the lockout lasts.
pub const LOCKOUT_MINUTES: i64 = 15;

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session; state-changing requests must echo its CSRF token.
    Session { token_hash: String, csrf: String },
    /// An API token (`Authorization: Bearer …`); no cookies, so no CSRF check.
    Token,
}

/// An authenticated caller with their grants.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user_id: i64,
    pub name: String,
    pub grants: Vec<Grant>,
    pub credential: Credential,
}

/// What `GET /api/v1/me` tells the page about the caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub name: String,
    /// Shop id (or `*` for every shop) and role.
    #[schema(value_type = Vec<Object>)]
    pub grants: Vec<Grant>,
    /// Send this in the `X-CSRF-Token` header on POST/PUT/DELETE (browser sessions only).
    pub csrf_token: Option<String>,
}

impl Auth {
    /// The caller's role in `shop`: the higher of a grant on it and a grant on every shop.
    pub fn role(&self, shop: &str) -> Option<Role> {
        self.grants
            .iter()
            .filter(|g| g.shop == shop || g.shop == "*")
            .map(|g| g.role)
            .max()
    }

    /// Allows the call when the caller has at least `min` in `shop`. A shop the caller has
    /// no grant on is reported as not found, so its existence does not leak.
    pub fn require(&self, shop: &str, min: Role) -> Result<Role, ApiError> {
        match self.role(shop) {
            None => Err(ApiError::not_found(format!("no shop `{shop}`"))),
            Some(r) if r < min => Err(ApiError::forbidden(format!(
                "{} is {} in shop {shop}; this needs {}",
                self.name,
                r.as_str(),
                min.as_str()
            ))),
            Some(r) => Ok(r),
        }
    }

    /// The page's view of the caller.
    pub fn me(&self) -> Me {
        Me {
            name: self.name.clone(),
            grants: self.grants.clone(),
            csrf_token: match &self.credential {
                Credential::Session { csrf, .. } => Some(csrf.clone()),
                Credential::Token => None,
            },
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The value of the session cookie, if the request carries one.
pub fn session_cookie(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v)
}

type Identity = (i64, String, Vec<Grant>, Credential);

/// How long a looked-up identity is reused. Account changes made through this server clear
/// the cache at once; changes made by another process (the CLI) apply within this time.
pub const IDENTITY_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// Identities by secret hash, so a busy dashboard does not ask the database on every call.
fn identities(
) -> &'static std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Identity)>> {
    static CACHE: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Identity)>>,
    > = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Forgets every cached identity (after a logout, a revoked token or a changed grant).
pub fn forget_identities() {
    if let Ok(mut c) = identities().lock() {
        c.clear();
    }
}

/// The caller's id, name, grants and credential, from a bearer token or the session cookie.
async fn identify(state: &State, parts: &Parts) -> Result<Option<Identity>, ApiError> {
    let (key, is_token) = match (bearer(parts), session_cookie(parts)) {
        (Some(token), _) => (secret_hash(token), true),
        (None, Some(cookie)) => (secret_hash(cookie), false),
        (None, None) => return Ok(None),
    };
    // Cached by how the secret was presented too: an API token sent as a cookie is not a
    // session (and must not skip the CSRF check because it was seen as a bearer token).
    let slot = format!("{}{key}", if is_token { "bearer:" } else { "cookie:" });
    let hit = identities().lock().ok().and_then(|c| {
        c.get(&slot)
            .filter(|(at, _)| at.elapsed() < IDENTITY_TTL)
            .map(|(_, id)| id.clone())
    });
    if hit.is_some() {
        return Ok(hit);
    }
    let found = if is_token {
        state
            .token_identity(&key)
            .await?
            .map(|(id, name, grants)| (id, name, grants, Credential::Token))
    } else {
        state
            .session_identity(&key, &utc_stamp(Utc::now()))
            .await?
            .map(|(id, name, csrf, grants)| {
                let credential = Credential::Session {
                    token_hash: key.clone(),
                    csrf,
                };
                (id, name, grants, credential)
            })
    };
    if let (Some(id), Ok(mut c)) = (&found, identities().lock()) {
        if c.len() > 10_000 {
            c.retain(|_, (at, _)| at.elapsed() < IDENTITY_TTL);
        }
        c.insert(slot, (std::time::Instant::now(), id.clone()));
    }
    Ok(found)
}

fn safe_method(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<Shared> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ws: &Shared) -> Result<Self, Self::Rejection> {
        let state = ws.state().await?;
        let Some((user_id, name, grants, credential)) = identify(state, parts).await? else {
            return Err(ApiError::unauthorized());
        };
        if let Credential::Session { csrf, .. } = &credential {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !safe_method(&parts.method) && sent != Some(csrf.as_str()) {
                return Err(ApiError::csrf());
            }
        }
        Ok(Auth {
            user_id,
            name,
            grants,
            credential,
        })
    }
}

/// Counts a login attempt against `name` from `ip` before its password is checked, and
/// returns the seconds to wait when it is over the limit. Counting first means concurrent
/// guesses cannot all pass a check made before any of them failed; a successful login clears
/// the count. Failures older than the window are forgotten here too.
pub async fn count_attempt(state: &State, name: &str, ip: &str) -> Result<Option<i64>, ApiError> {
    let now = Utc::now();
    let since = utc_stamp(now - chrono::Duration::minutes(LOCKOUT_MINUTES));
    state.forget_login_failures(&since).await?;
    state.record_login_failure(name, ip).await?;
    let (count, oldest) = state.login_failures(name, ip, &since).await?;
    if count <= MAX_FAILURES {
        return Ok(None);
    }
    let wait = oldest
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc) + chrono::Duration::minutes(LOCKOUT_MINUTES) - now)
        .map_or(LOCKOUT_MINUTES * 60, |d| d.num_seconds().max(1));
    Ok(Some(wait))
}

/// The `Set-Cookie` value for a new session; `Secure` unless served on loopback over HTTP.
pub fn session_set_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn session_clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Whether a request reached us over plain HTTP on a loopback host, the one case where a
/// `Secure` cookie would not be sent back by every browser.
pub fn is_local_http(parts: &Parts) -> bool {
    let forwarded_https = parts
        .headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let name = host.rsplit_once(':').map_or(host, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    !forwarded_https && matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(grants: &[(&str, Role)]) -> Auth {
        Auth {
            user_id: 1,
            name: "u".into(),
            grants: grants
                .iter()
                .map(|(s, r)| Grant {
                    shop: s.to_string(),
                    role: *r,
                })
                .collect(),
            credential: Credential::Token,
        }
    }

    #[test]
    fn roles_per_shop_and_wildcard() {
        let a = auth(&[("A", Role::Viewer)]);
        assert_eq!(a.require("A", Role::Viewer).unwrap(), Role::Viewer);
        assert_eq!(a.require("A", Role::Operator).unwrap_err().status(), 403);
        assert_eq!(a.require("B", Role::Viewer).unwrap_err().status(), 404);
        let b = auth(&[("*", Role::Viewer), ("B", Role::Admin)]);
        assert_eq!(b.role("A"), Some(Role::Viewer));
        assert_eq!(b.role("B"), Some(Role::Admin));
    }
}
