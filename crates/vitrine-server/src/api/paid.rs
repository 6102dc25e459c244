//! Paid traffic: plan diagnostics, recommendations to approve or hold, and the audit log.

use axum::extract::{OriginalUri, Path, Query, State};

use axum::Json;
use serde::Deserialize;

use super::access::ShopAccess;
use super::replies::{Audit, HoldSet};
use super::{parse_date, DateParam};
use crate::error::{json_body, ApiError};
use crate::Shared;

/// `GET /api/v1/shops/{shop}/bids`.
pub(crate) async fn bids(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
    Query(p): Query<DateParam>,
) -> Result<axum::response::Response, ApiError> {
    let date = parse_date(p.date.as_deref())?;
    let snap = ws.snapshot(Some(&shop), date)?;
    let key = format!("bids\n{}\n{}", snap.shop, snap.date);
    let json = ws
        .answer_json(key, snap, |s| async move { s.bids_report(false).await })
        .await?;
    Ok(super::json_bytes(json))
}

/// `GET /api/v1/shops/{shop}/bids/audit`.
pub(crate) async fn audit(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
) -> Result<Json<Audit>, ApiError> {
    let state = ws.state().await?;
    Ok(Json(Audit {
        changes: state.bid_changes(&shop).await?,
        log: state.bid_change_log(&shop).await?,
        holds: state.plan_holds(&shop).await?,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    id: String,
    note: Option<String>,
    #[serde(default)]
    confirm: bool,
}

/// `POST /api/v1/shops/{shop}/bids/{approve|reject|apply}`; the actor is the caller.
pub(crate) async fn decide(
    State(ws): State<Shared>,
    ShopAccess { auth: a, .. }: ShopAccess,
    Path(shop): Path<String>,
    OriginalUri(uri): OriginalUri,
    body: axum::body::Bytes,
) -> Result<Json<vitrine_lake::BidChangeRecord>, ApiError> {
    // The route is the verb: `…/bids/approve`, `/reject` or `/apply` (see ENDPOINTS).
    let status = match super::last_segment(&uri) {
        "approve" => "approved",
        "reject" => "rejected",
        "apply" => "applied",
        other => {
            return Err(ApiError::not_found(format!(
                "unknown action `{other}` (approve, reject, apply)"
            )))
        }
    };
    let b: Decision = json_body(&body)?;
    let rec = ws
        .decide_bid(&shop, &b.id, status, &a.name, b.confirm, b.note.as_deref())
        .await?;
    ws.invalidate_reviews();
    Ok(Json(rec))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Hold {
    plan: String,
    hold: bool,
    note: Option<String>,
}

/// `POST /api/v1/shops/{shop}/bids/hold`.
pub(crate) async fn hold(
    State(ws): State<Shared>,
    ShopAccess { shop, auth: a }: ShopAccess,
    body: axum::body::Bytes,
) -> Result<Json<HoldSet>, ApiError> {
    let b: Hold = json_body(&body)?;
    if b.plan.trim().is_empty() {
        return Err(ApiError::bad_request("plan must not be empty"));
    }
    ws.state()
        .await?
        .set_plan_hold(&shop, &b.plan, b.hold, &a.name, b.note.as_deref())
        .await?;
    ws.invalidate_reviews();
    Ok(Json(HoldSet {
        shop,
        plan: b.plan,
        hold: b.hold,
    }))
}
