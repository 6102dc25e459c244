//! Monitoring endpoints: targets (read and edit) and the alert lifecycle (ack, resolve,
//! history), the same operations as `vitrine targets` and `vitrine alerts`.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use vitrine_core::Lang;
use vitrine_lake::AlertStatus;

use crate::service::ServiceError;
use crate::{parse_date, Shared};

#[derive(Deserialize)]
pub(crate) struct TargetParams {
    shop: Option<String>,
    date: Option<String>,
}

/// The day's target tree, pacing and KPI targets, plus every stored target of the shop.
pub(crate) async fn targets(
    State(ws): State<Shared>,
    Query(p): Query<TargetParams>,
) -> Result<Response, ServiceError> {
    let date = parse_date(p.date.as_deref())?;
    let rv = ws.review(p.shop.as_deref(), date, Lang::Zh).await?;
    let stored: Vec<serde_json::Value> = ws
        .state()
        .await?
        .targets(&rv.shop)
        .await?
        .into_iter()
        .map(|(metric, _, period, value)| serde_json::json!({ "metric": metric, "period": period, "value": value }))
        .collect();
    let kpis: Vec<serde_json::Value> = rv
        .kpis
        .iter()
        .map(|k| serde_json::json!({ "metric": k.metric, "value": k.value, "target": k.target, "status": k.status }))
        .collect();
    Ok(Json(serde_json::json!({
        "shop": rv.shop, "date": rv.date, "tree": rv.targets, "pacing": rv.pacing,
        "kpis": kpis, "stored": stored,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TargetBody {
    shop: String,
    metric: String,
    period: String,
    value: f64,
}

/// Stores one target (`period` is `year:YYYY` or `default`).
pub(crate) async fn set_target(
    State(ws): State<Shared>,
    body: axum::body::Bytes,
) -> Result<Response, ServiceError> {
    let t: TargetBody = serde_json::from_slice(&body)
        .map_err(|e| ServiceError::BadRequest(format!("body:{}:{}: {e}", e.line(), e.column())))?;
    ws.set_target(&t.shop, &t.metric, &t.period, t.value)
        .await?;
    Ok(Json(serde_json::json!({ "shop": t.shop, "metric": t.metric, "period": t.period, "value": t.value })).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransitionBody {
    actor: Option<String>,
    note: Option<String>,
}

/// Moves an alert to `acknowledged` or `resolved` (path `/api/alerts/{id}/{ack|resolve}`).
pub(crate) async fn transition(
    State(ws): State<Shared>,
    Path((id, action)): Path<(i64, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ServiceError> {
    let status = match action.as_str() {
        "ack" => AlertStatus::Acknowledged,
        "resolve" => AlertStatus::Resolved,
        other => {
            return Err(ServiceError::NotFound(format!(
                "unknown alert action `{other}` (ack or resolve)"
            )))
        }
    };
    let b: TransitionBody = if body.is_empty() {
        TransitionBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ServiceError::BadRequest(format!("body:{}:{}: {e}", e.line(), e.column()))
        })?
    };
    let state = ws.state().await?;
    state
        .set_alert_status(
            id,
            status,
            b.actor.as_deref().unwrap_or("api"),
            b.note.as_deref(),
        )
        .await
        .map_err(|e| ServiceError::NotFound(e.to_string()))?;
    history(State(ws), Path(id)).await
}

/// The status changes of one alert.
pub(crate) async fn history(
    State(ws): State<Shared>,
    Path(id): Path<i64>,
) -> Result<Response, ServiceError> {
    let rows = ws.state().await?.alert_history(id).await?;
    if rows.is_empty() {
        return Err(ServiceError::NotFound(format!("no alert with id {id}")));
    }
    let out: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|(at, from, to, actor, note)| serde_json::json!({ "at": at, "from": from, "to": to, "actor": actor, "note": note }))
        .collect();
    Ok(Json(serde_json::json!({ "id": id, "history": out })).into_response())
}
