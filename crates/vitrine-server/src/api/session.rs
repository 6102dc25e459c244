//! Login, logout, the caller, and API tokens.

use std::net::SocketAddr;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use vitrine_lake::utc_stamp;

use super::replies::*;
use crate::auth::{self, Auth, Credential};
use crate::error::{json_body, ApiError};
use crate::Shared;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    name: String,
    password: String,
}

/// `POST /api/v1/login`: checks the password (argon2id), rate-limited per name and client
/// address; on success sets an HttpOnly, SameSite=Strict session cookie. Only a JSON body is
/// taken: a cross-site HTML form cannot send one, so it cannot log a victim into another
/// account (login CSRF).
pub(crate) async fn login(State(ws): State<Shared>, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::unsupported_media(
            "log in with a JSON body (Content-Type: application/json)",
        ));
    }
    let ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "local".to_string(), |c| c.0.ip().to_string());
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let l: Login = json_body(&body)?;
    auth::check_name(&l.name).map_err(ApiError::bad_request)?;
    if l.password.chars().count() > auth::MAX_PASSWORD {
        return Err(ApiError::bad_request(format!(
            "the password has more than {} characters",
            auth::MAX_PASSWORD
        )));
    }
    let state = ws.state().await?;
    if let Some(wait) = auth::count_attempt(state, &l.name, &ip).await? {
        tracing::warn!(user = %l.name, %ip, "login locked out for {wait} s");
        return Err(ApiError::rate_limited(wait));
    }
    let user = state.user_by_name(&l.name).await?;
    // Verify even for unknown names so timing does not tell which names exist.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(dummy_hash);
    let password = l.password;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let Some(user) = user.filter(|_| ok) else {
        tracing::warn!(user = %l.name, %ip, "login failed");
        return Err(ApiError::login_failed());
    };
    tracing::info!(user = %l.name, %ip, "login");
    state.clear_login_failures(&l.name, &ip).await?;
    let token = auth::new_secret();
    let csrf = auth::new_secret();
    let expires = utc_stamp(Utc::now() + chrono::Duration::hours(auth::SESSION_HOURS));
    state
        .create_session(&auth::secret_hash(&token), user.id, &csrf, &expires)
        .await?;
    let (name, grants) = state.user_grants(user.id).await?;
    let me = Auth {
        user_id: user.id,
        name,
        grants,
        credential: Credential::Session {
            token_hash: String::new(),
            csrf,
        },
    }
    .me();
    let cookie = auth::session_set_cookie(&token, !auth::is_local_http(&parts));
    Ok(([(header::SET_COOKIE, cookie)], Json(me)).into_response())
}

/// An argon2id hash of a random password, verified against for unknown user names.
fn dummy_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&auth::new_secret()).unwrap_or_default())
        .clone()
}

/// `POST /api/v1/logout`: ends the session and clears the cookie.
pub(crate) async fn logout(State(ws): State<Shared>, a: Auth) -> Result<Response, ApiError> {
    if let Credential::Session { token_hash, .. } = &a.credential {
        ws.state()
            .await?
            .end_session(token_hash, &utc_stamp(Utc::now()))
            .await?;
        auth::forget_identities();
    }
    Ok((
        [(header::SET_COOKIE, auth::session_clear_cookie())],
        Json(LoggedOut { logged_out: a.name }),
    )
        .into_response())
}

/// `GET /api/v1/me`.
pub(crate) async fn me(a: Auth) -> Json<auth::Me> {
    Json(a.me())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
}

/// `POST /api/v1/tokens`: a new API token for the caller, shown once.
pub(crate) async fn create_token(
    State(ws): State<Shared>,
    a: Auth,
    body: axum::body::Bytes,
) -> Result<Json<TokenIssued>, ApiError> {
    let t: NewToken = json_body(&body)?;
    if t.name.trim().is_empty() || t.name.chars().count() > auth::MAX_NAME {
        return Err(ApiError::bad_request(format!(
            "a token name has 1 to {} characters",
            auth::MAX_NAME
        )));
    }
    let (id, token) = auth::issue_token(ws.state().await?, a.user_id, &t.name).await?;
    Ok(Json(TokenIssued {
        id,
        name: t.name,
        token,
    }))
}

/// `DELETE /api/v1/tokens/{id}`.
pub(crate) async fn revoke_token(
    State(ws): State<Shared>,
    a: Auth,
    Path(id): Path<i64>,
) -> Result<Json<TokenRevoked>, ApiError> {
    if !ws.state().await?.revoke_api_token(a.user_id, id).await? {
        return Err(ApiError::not_found(format!("you have no token {id}")));
    }
    auth::forget_identities();
    Ok(Json(TokenRevoked { revoked: id }))
}
