//! Shop members: a shop's admin lists who has access, grants roles and revokes them.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use vitrine_lake::Role;

use super::access::ShopAccess;
use super::replies::*;
use crate::auth;
use crate::error::{json_body, ApiError};
use crate::Shared;

/// `GET /api/v1/shops/{shop}/members`: users with a role in the shop (directly or via `*`).
pub(crate) async fn list(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
) -> Result<Json<Vec<MemberEntry>>, ApiError> {
    let members = ws
        .state()
        .await?
        .users()
        .await?
        .into_iter()
        .filter_map(|(_, name, grants)| {
            let g = grants
                .into_iter()
                .filter(|g| g.shop == shop || g.shop == "*")
                .max_by_key(|g| g.role)?;
            Some(MemberEntry {
                name,
                role: g.role,
                via: g.shop,
            })
        })
        .collect();
    Ok(Json(members))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Member {
    name: String,
    role: String,
    /// Needed only when the user does not exist yet.
    password: Option<String>,
}

/// `PUT /api/v1/shops/{shop}/members`: grants a role in the shop, creating the user when
/// new (with the given password).
pub(crate) async fn grant(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
    body: axum::body::Bytes,
) -> Result<Json<Granted>, ApiError> {
    let m: Member = json_body(&body)?;
    let role = Role::parse(&m.role).map_err(|e| ApiError::bad_request(e.to_string()))?;
    auth::check_name(&m.name).map_err(ApiError::bad_request)?;
    let state = ws.state().await?;
    let id = match state.user_by_name(&m.name).await? {
        Some(u) => u.id,
        None => {
            let pw = m.password.unwrap_or_default();
            auth::check_password(&pw)
                .map_err(|e| ApiError::bad_request(format!("a new user: {e}")))?;
            let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
                .await
                .map_err(|e| ApiError::internal(e.to_string()))??;
            state.upsert_user(&m.name, &hash).await?
        }
    };
    state.grant(id, &shop, role).await?;
    crate::auth::forget_identities();
    Ok(Json(Granted {
        name: m.name,
        shop,
        role,
    }))
}

/// `DELETE /api/v1/shops/{shop}/members/{name}`: removes the user's role in the shop.
pub(crate) async fn revoke(
    State(ws): State<Shared>,
    _: ShopAccess,
    Path((shop, name)): Path<(String, String)>,
) -> Result<Json<Revoked>, ApiError> {
    let state = ws.state().await?;
    let user = state
        .user_by_name(&name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user `{name}`")))?;
    state.revoke_grant(user.id, &shop).await?;
    crate::auth::forget_identities();
    Ok(Json(Revoked {
        name,
        shop,
        revoked: true,
    }))
}
