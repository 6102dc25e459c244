//! Access to a shop, checked once for every shop endpoint: the least role each endpoint
//! needs is stated in [`ENDPOINTS`] and nowhere else; a handler that takes [`ShopAccess`]
//! runs only for a caller holding that role in the path's shop.

use axum::extract::{FromRequestParts, OriginalUri, RawPathParams};
use axum::http::request::Parts;
use vitrine_lake::Role;

use super::{Endpoint, ENDPOINTS};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::Shared;

/// A caller allowed into the path's shop for this endpoint.
pub(crate) struct ShopAccess {
    pub(crate) shop: String,
    pub(crate) auth: Auth,
}

/// Whether `path` (as requested) is an instance of the endpoint's path:
/// literal segments equal, `{…}` segments anything.
fn matches(e: &Endpoint, method: &str, path: &str) -> bool {
    let want: Vec<&str> = e.path.trim_start_matches('/').split('/').collect();
    let got: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    e.method == method
        && want.len() == got.len()
        && want
            .iter()
            .zip(&got)
            .all(|(w, g)| w.starts_with('{') || w == g)
}

/// The least role the endpoint of this request needs in its shop.
fn required_role(parts: &Parts) -> Option<Role> {
    // Nested routers see the path without their prefix; ENDPOINTS name it whole.
    let full = parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| parts.uri.path().to_string(), |u| u.path().to_string());
    ENDPOINTS
        .iter()
        .find(|e| matches(e, parts.method.as_str(), &full))
        .and_then(|e| e.role)
}

impl FromRequestParts<Shared> for ShopAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ws: &Shared) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, ws).await?;
        let params = RawPathParams::from_request_parts(parts, ws)
            .await
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let shop = params
            .iter()
            .find(|(k, _)| *k == "shop")
            .map(|(_, v)| v.to_string())
            .ok_or_else(|| ApiError::internal("a shop endpoint without {shop}"))?;
        // A route with a free segment (`/bids/{verb}`) answers only what ENDPOINTS lists.
        let role = required_role(parts)
            .ok_or_else(|| ApiError::not_found("no such endpoint (see /api/v1/openapi.json)"))?;
        auth.require(&shop, role)?;
        Ok(ShopAccess { shop, auth })
    }
}
