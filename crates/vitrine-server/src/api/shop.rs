//! Shops, the review and its archive, metric queries, targets and the alert lifecycle.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use vitrine_core::{Dim, Lang, MetricQuery, TimeGrain};
use vitrine_lake::AlertStatus;

use super::access::ShopAccess;
use super::replies::*;
use super::{parse_date, parse_lang, DateParam};
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::Shared;

/// `GET /api/v1/shops`: the shops the caller may see, with dates and role.
pub(crate) async fn shops(
    State(ws): State<Shared>,
    a: Auth,
) -> Result<Json<Vec<ShopEntry>>, ApiError> {
    let list = ws
        .shops()?
        .into_iter()
        .filter_map(|s| {
            Some(ShopEntry {
                role: a.role(&s.shop)?,
                shop: s.shop,
                first_date: s.first_date,
                last_date: s.last_date,
            })
        })
        .collect();
    Ok(Json(list))
}

#[derive(Deserialize)]
pub(crate) struct ReviewParams {
    date: Option<String>,
    lang: Option<String>,
}

/// `GET /api/v1/shops/{shop}/review`.
pub(crate) async fn review(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
    Query(p): Query<ReviewParams>,
) -> Result<Response, ApiError> {
    let date = parse_date(p.date.as_deref())?;
    let lang = parse_lang(p.lang.as_deref())?;
    let json = ws.review_json(Some(&shop), date, lang).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json,
    )
        .into_response())
}

/// `GET /api/v1/shops/{shop}/reviews`: every day with data, newest first, with the day's
/// GMV and orders, for the review archive.
pub(crate) async fn archive(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
) -> Result<Json<Archive>, ApiError> {
    let (shop, last) = ws.resolve(Some(&shop), None)?;
    let first = ws
        .lake
        .manifest_shared()?
        .date_range(vitrine_core::Table::ProductDay.name(), Some(&shop))
        .map_or(last, |r| r.0);
    let q = MetricQuery::new(&["gmv", "orders"], first, last)
        .per(TimeGrain::Day)
        .filter(Dim::Shop, shop.clone());
    let mut days = ws.metric(&q).await?;
    days.rows.reverse();
    Ok(Json(Archive {
        shop,
        first_date: first,
        last_date: last,
        days,
    }))
}

/// `GET /api/v1/metrics`: the catalog.
pub(crate) async fn catalog(_: Auth) -> Response {
    Json(vitrine_core::metric::METRICS).into_response()
}

/// `GET /api/v1/labels`: the words for every code, `{"zh": {kind: {code: words}}, "en": …}`.
pub(crate) async fn labels(_: Auth) -> Response {
    use vitrine_core::words::table;
    Json(serde_json::json!({"zh": table(Lang::Zh), "en": table(Lang::En)})).into_response()
}

#[derive(Deserialize)]
pub(crate) struct MetricParams {
    metrics: Option<String>,
    by: Option<String>,
    grain: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// Dimensions one metric query may break down by.
const MAX_DIMS: usize = 4;

/// `GET /api/v1/shops/{shop}/metric`.
pub(crate) async fn metric(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
    Query(p): Query<MetricParams>,
) -> Result<Response, ApiError> {
    let (shop, last) = ws.resolve(Some(&shop), None)?;
    let to = parse_date(p.to.as_deref())?.unwrap_or(last);
    let from = parse_date(p.from.as_deref())?.unwrap_or(to);
    if from > to {
        return Err(ApiError::bad_request(format!(
            "from {from} is after to {to}"
        )));
    }
    let mut ids: Vec<&'static str> = p
        .metrics
        .as_deref()
        .unwrap_or("gmv")
        .split(',')
        .map(|id| {
            vitrine_core::metric::metric(id.trim())
                .map(|m| m.id)
                .ok_or_else(|| ApiError::bad_request(format!("unknown metric `{id}`")))
        })
        .collect::<Result<_, _>>()?;
    ids.sort_unstable();
    ids.dedup();
    let dims =
        p.by.as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.split(',')
                    .map(|d| Dim::parse(d.trim()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|e| ApiError::bad_request(e.to_string()))?
            .unwrap_or_default();
    if dims.len() > MAX_DIMS {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_DIMS} dimensions in `by`, got {}",
            dims.len()
        )));
    }
    let grain = TimeGrain::parse(p.grain.as_deref().unwrap_or("total"))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let q = MetricQuery::new(&ids, from, to)
        .by(&dims)
        .per(grain)
        .filter(Dim::Shop, shop.clone());
    // The snapshot pins the lake version; the query names its own days.
    let snap = ws.snapshot(Some(&shop), None)?;
    let key = format!("metric\n{q:?}");
    let json = ws
        .answer_json(
            key,
            snap,
            |s| async move { Ok(s.engine().metric(&q).await?) },
        )
        .await?;
    Ok(super::json_bytes(json))
}

#[derive(Deserialize)]
pub(crate) struct AlertParams {
    status: Option<String>,
}

/// `GET /api/v1/shops/{shop}/alerts`.
pub(crate) async fn alerts(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
    Query(p): Query<AlertParams>,
) -> Result<Json<Vec<vitrine_lake::AlertRecord>>, ApiError> {
    let status = p
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(AlertStatus::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Json(ws.state().await?.alerts(Some(&shop), status).await?))
}

/// The alert `id` if it belongs to `shop`; other shops' alerts are not found.
async fn shop_alert(ws: &Shared, shop: &str, id: i64) -> Result<(), ApiError> {
    match ws.state().await?.alert(id).await? {
        Some(a) if a.shop == shop => Ok(()),
        _ => Err(ApiError::not_found(format!(
            "shop {shop} has no alert {id}"
        ))),
    }
}

/// `GET /api/v1/shops/{shop}/alerts/{id}/history`.
pub(crate) async fn alert_history(
    State(ws): State<Shared>,
    _: ShopAccess,
    Path((shop, id)): Path<(String, i64)>,
) -> Result<Json<AlertHistory>, ApiError> {
    shop_alert(&ws, &shop, id).await?;
    let rows = ws.state().await?.alert_history(id).await?;
    let history = rows
        .into_iter()
        .map(|(at, from, to, actor, note)| AlertChange {
            at,
            from,
            to,
            actor,
            note,
        })
        .collect();
    Ok(Json(AlertHistory { id, history }))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    note: Option<String>,
    owner: Option<String>,
}

/// `POST /api/v1/shops/{shop}/alerts/{id}/{ack|resolve|assign}`; the actor is the caller.
pub(crate) async fn alert_action(
    State(ws): State<Shared>,
    ShopAccess { auth: a, .. }: ShopAccess,
    Path((shop, id)): Path<(String, i64)>,
    OriginalUri(uri): OriginalUri,
    body: axum::body::Bytes,
) -> Result<Json<Option<vitrine_lake::AlertRecord>>, ApiError> {
    let b: ActionBody = if body.is_empty() {
        ActionBody::default()
    } else {
        json_body(&body)?
    };
    shop_alert(&ws, &shop, id).await?;
    let state = ws.state().await?;
    // The route is the verb: `…/alerts/{id}/ack`, `/resolve` or `/assign` (see ENDPOINTS).
    let action = super::last_segment(&uri);
    match action {
        "ack" | "resolve" => {
            let status = if action == "ack" {
                AlertStatus::Acknowledged
            } else {
                AlertStatus::Resolved
            };
            state
                .set_alert_status(id, status, &a.name, b.note.as_deref())
                .await?;
        }
        "assign" => {
            let owner = b
                .owner
                .filter(|o| !o.trim().is_empty())
                .ok_or_else(|| ApiError::bad_request("body needs \"owner\""))?;
            state.assign_alert(id, &owner, &a.name).await?;
        }
        other => {
            return Err(ApiError::not_found(format!(
                "unknown alert action `{other}` (ack, resolve, assign)"
            )))
        }
    }
    ws.invalidate_reviews();
    let alert = state.alert(id).await?;
    Ok(Json(alert))
}

/// `GET /api/v1/shops/{shop}/targets`.
pub(crate) async fn targets(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
    Query(p): Query<DateParam>,
) -> Result<Json<Targets>, ApiError> {
    let date = parse_date(p.date.as_deref())?;
    let rv = ws.review_cached(Some(&shop), date, Lang::Zh).await?;
    let stored = ws
        .state()
        .await?
        .targets(&rv.shop)
        .await?
        .into_iter()
        .map(|(metric, _, period, value)| StoredTarget {
            metric,
            period,
            value,
        })
        .collect();
    let kpis = rv
        .kpis
        .iter()
        .map(|k| KpiTarget {
            metric: k.metric.clone(),
            value: k.value,
            target: k.target,
            status: k.status,
        })
        .collect();
    Ok(Json(Targets {
        shop: rv.shop.clone(),
        date: rv.date.clone(),
        tree: rv.targets.clone(),
        pacing: rv.pacing.clone(),
        kpis,
        stored,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetBody {
    metric: String,
    period: String,
    value: f64,
}

/// `PUT /api/v1/shops/{shop}/targets`.
pub(crate) async fn set_target(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
    body: axum::body::Bytes,
) -> Result<Json<TargetSet>, ApiError> {
    let t: TargetBody = json_body(&body)?;
    ws.set_target(&shop, &t.metric, &t.period, t.value).await?;
    ws.invalidate_reviews();
    Ok(Json(TargetSet {
        shop,
        metric: t.metric,
        period: t.period,
        value: t.value,
    }))
}
