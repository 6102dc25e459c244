//! Users and segments, cohorts, and experiments.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;

use super::access::ShopAccess;
use super::replies::*;
use super::{parse_date, DateParam};
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::Shared;

#[derive(Deserialize)]
pub(crate) struct UserParams {
    date: Option<String>,
    /// Users listed (recall candidates first, then by value); default 200.
    limit: Option<usize>,
    /// RFM cut points instead of quintiles: four ascending numbers each.
    r_cuts: Option<String>,
    f_cuts: Option<String>,
    m_cuts: Option<String>,
}

/// `GET /api/v1/shops/{shop}/users`.
pub(crate) async fn users(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
    Query(p): Query<UserParams>,
) -> Result<axum::response::Response, ApiError> {
    let date = parse_date(p.date.as_deref())?;
    let cuts = vitrine_app::users::parse_rfm_cuts(
        p.r_cuts.as_deref(),
        p.f_cuts.as_deref(),
        p.m_cuts.as_deref(),
    )?;
    let limit = p.limit.unwrap_or(200);
    let snap = ws.snapshot(Some(&shop), date)?;
    let key = format!("users\n{}\n{}\n{cuts:?}\n{limit}", snap.shop, snap.date);
    let json = ws
        .answer_json(
            key,
            snap,
            |s| async move { s.top_users(&cuts, limit).await },
        )
        .await?;
    Ok(super::json_bytes(json))
}

/// `GET /api/v1/shops/{shop}/users/cohorts`.
pub(crate) async fn cohorts(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
    Query(p): Query<DateParam>,
) -> Result<Json<[vitrine_analytics::users::CohortMatrix; 2]>, ApiError> {
    let date = parse_date(p.date.as_deref())?;
    Ok(Json(ws.cohorts(Some(&shop), date).await?))
}

/// `GET /api/v1/shops/{shop}/experiments`.
pub(crate) async fn experiments(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
) -> Result<Json<Vec<vitrine_lake::ExperimentRecord>>, ApiError> {
    Ok(Json(ws.state().await?.experiments(Some(&shop)).await?))
}

/// `GET /api/v1/shops/{shop}/experiments/{id}`: the registration and its analysis.
pub(crate) async fn experiment(
    State(ws): State<Shared>,
    _: ShopAccess,
    Path((shop, id)): Path<(String, i64)>,
    Query(p): Query<DateParam>,
) -> Result<Json<ExperimentResult>, ApiError> {
    let date = parse_date(p.date.as_deref())?;
    let e = ws
        .state()
        .await?
        .experiment(id)
        .await
        .ok()
        .filter(|e| e.shop == shop)
        .ok_or_else(|| ApiError::not_found(format!("shop {shop} has no experiment {id}")))?;
    let (analysis, days_run) = ws.experiment_analysis(&e, date, &|_| {}).await?;
    Ok(Json(ExperimentResult {
        experiment: e,
        days_run,
        analysis,
    }))
}

/// `POST /api/v1/experiments/analyze`: analyses summary counts posted as the CLI's
/// `--input` JSON.
pub(crate) async fn analyze(
    _: Auth,
    body: axum::body::Bytes,
) -> Result<Json<vitrine_analytics::experiment::Outcome>, ApiError> {
    let req: vitrine_analytics::experiment::Request = json_body(&body)?;
    // Bounded work, but CPU work: off the async runtime, within its own time limit.
    let job = tokio::task::spawn_blocking(move || req.run(&req.settings()));
    let out = tokio::time::timeout(ANALYZE_LIMIT, job)
        .await
        .map_err(|_| ApiError::timed_out(ANALYZE_LIMIT.as_secs()))?
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Json(out))
}

/// How long an analysis of posted counts may take.
const ANALYZE_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);
