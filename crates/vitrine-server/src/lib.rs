//! The web surface: the overview dashboard (Chinese first, English switch, ECharts served
//! from the binary) and JSON endpoints for the same data. Only this crate knows HTTP.

pub mod bids;
pub mod experiments;
mod mail;
mod monitoring;
pub mod notify;
pub mod service;
pub mod users;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use rust_embed::RustEmbed;
use serde::Deserialize;
use vitrine_core::{Dim, Lang, MetricQuery, TimeGrain};

pub use service::{ServiceError, Workspace};

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

pub(crate) type Shared = Arc<Workspace>;

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let status = match &self {
            ServiceError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response()
    }
}

/// The application's routes over a workspace.
pub fn router(ws: Workspace) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/users", get(|| async { asset_response("users.html") }))
        .route(
            "/experiments",
            get(|| async { asset_response("experiments.html") }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/shops", get(shops))
        .route("/api/review", get(review))
        .route("/api/metrics", get(catalog))
        .route("/api/metric", get(metric))
        .route("/api/alerts", get(alerts))
        .route("/api/alerts/{id}/history", get(monitoring::history))
        .route(
            "/api/alerts/{id}/{action}",
            axum::routing::post(monitoring::transition),
        )
        .route(
            "/api/targets",
            get(monitoring::targets).put(monitoring::set_target),
        )
        .route("/api/bids", get(bids::get_bids))
        .route("/api/bids/audit", get(bids::audit))
        .route("/api/bids/hold", axum::routing::post(bids::hold))
        .route("/api/bids/{verb}", axum::routing::post(bids::decide))
        .route("/api/users", get(users))
        .route("/api/users/cohorts", get(cohorts))
        .route("/api/experiments", get(experiments))
        .route(
            "/api/experiments/analyze",
            axum::routing::post(analyze_experiment),
        )
        .route("/api/experiments/{id}", get(experiment))
        .route("/assets/{*path}", get(asset))
        .with_state(Arc::new(ws))
}

/// Serves the dashboard on `addr` until the process is stopped.
pub async fn serve(ws: Workspace, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("dashboard on http://{addr}");
    axum::serve(listener, router(ws)).await
}

async fn index() -> Response {
    asset_response("index.html")
}

async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches("/assets/");
    asset_response(path)
}

fn asset_response(path: &str) -> Response {
    match Assets::get(path) {
        Some(file) => {
            let mime = match path.rsplit('.').next() {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "application/javascript; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            };
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                file.data.into_owned(),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

pub(crate) fn parse_date(s: Option<&str>) -> Result<Option<NaiveDate>, ServiceError> {
    s.filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<NaiveDate>()
                .map_err(|_| ServiceError::BadRequest(format!("date `{x}` is not YYYY-MM-DD")))
        })
        .transpose()
}

fn parse_lang(s: Option<&str>) -> Result<Lang, ServiceError> {
    Ok(s.map(Lang::parse).transpose()?.unwrap_or_default())
}

async fn shops(State(ws): State<Shared>) -> Result<Response, ServiceError> {
    Ok(Json(ws.shops()?).into_response())
}

#[derive(Deserialize)]
struct ReviewParams {
    shop: Option<String>,
    date: Option<String>,
    lang: Option<String>,
}

async fn review(
    State(ws): State<Shared>,
    Query(p): Query<ReviewParams>,
) -> Result<Response, ServiceError> {
    let date = parse_date(p.date.as_deref())?;
    let lang = parse_lang(p.lang.as_deref())?;
    Ok(Json(ws.review(p.shop.as_deref(), date, lang).await?).into_response())
}

async fn catalog() -> Response {
    Json(vitrine_core::metric::METRICS).into_response()
}

#[derive(Deserialize)]
struct MetricParams {
    metrics: String,
    by: Option<String>,
    grain: Option<String>,
    from: Option<String>,
    to: Option<String>,
    shop: Option<String>,
}

async fn metric(
    State(ws): State<Shared>,
    Query(p): Query<MetricParams>,
) -> Result<Response, ServiceError> {
    let (shop, last) = ws.resolve(p.shop.as_deref(), None)?;
    let to = parse_date(p.to.as_deref())?.unwrap_or(last);
    let from = parse_date(p.from.as_deref())?.unwrap_or(to);
    let ids: Vec<&'static str> = p
        .metrics
        .split(',')
        .map(|id| {
            vitrine_core::metric::metric(id.trim())
                .map(|m| m.id)
                .ok_or_else(|| ServiceError::BadRequest(format!("unknown metric `{id}`")))
        })
        .collect::<Result<_, _>>()?;
    let dims =
        p.by.as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.split(',')
                    .map(|d| Dim::parse(d.trim()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
    let grain = TimeGrain::parse(p.grain.as_deref().unwrap_or("total"))?;
    let q = MetricQuery::new(&ids, from, to)
        .by(&dims)
        .per(grain)
        .filter(Dim::Shop, shop);
    Ok(Json(ws.metric(&q).await?).into_response())
}

#[derive(Deserialize)]
struct AlertParams {
    shop: Option<String>,
    status: Option<String>,
}

async fn alerts(
    State(ws): State<Shared>,
    Query(p): Query<AlertParams>,
) -> Result<Response, ServiceError> {
    let status = p
        .status
        .as_deref()
        .map(vitrine_lake::AlertStatus::parse)
        .transpose()
        .map_err(|e| ServiceError::BadRequest(e.to_string()))?;
    let state = ws.state().await?;
    Ok(Json(state.alerts(p.shop.as_deref(), status).await?).into_response())
}

#[derive(Deserialize)]
struct ShopParam {
    shop: Option<String>,
}

async fn experiments(
    State(ws): State<Shared>,
    Query(p): Query<ShopParam>,
) -> Result<Response, ServiceError> {
    let state = ws.state().await?;
    Ok(Json(state.experiments(p.shop.as_deref()).await?).into_response())
}

#[derive(Deserialize)]
struct DateParam {
    date: Option<String>,
}

async fn experiment(
    State(ws): State<Shared>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Query(p): Query<DateParam>,
) -> Result<Response, ServiceError> {
    let date = parse_date(p.date.as_deref())?;
    let e = ws
        .state()
        .await?
        .experiment(id)
        .await
        .map_err(|e| ServiceError::NotFound(e.to_string()))?;
    let (analysis, days_run) = ws.experiment_analysis(&e, date, &|_| {}).await?;
    Ok(
        Json(serde_json::json!({ "experiment": e, "days_run": days_run, "analysis": analysis }))
            .into_response(),
    )
}

/// Analyses summary counts posted as the CLI's `--input` JSON.
async fn analyze_experiment(body: axum::body::Bytes) -> Result<Response, ServiceError> {
    let req: vitrine_analytics::experiment::Request = serde_json::from_slice(&body)
        .map_err(|e| ServiceError::BadRequest(format!("body:{}:{}: {e}", e.line(), e.column())))?;
    let out = req
        .run(&req.settings())
        .map_err(|e| ServiceError::BadRequest(e.to_string()))?;
    Ok(Json(out).into_response())
}

#[derive(Deserialize)]
struct UserParams {
    shop: Option<String>,
    date: Option<String>,
    /// Users listed (recall candidates first, then by value); default 200.
    limit: Option<usize>,
    /// RFM cut points instead of quintiles: four ascending numbers each.
    r_cuts: Option<String>,
    f_cuts: Option<String>,
    m_cuts: Option<String>,
}

impl UserParams {
    fn cuts(&self) -> Result<vitrine_analytics::users::RfmCuts, ServiceError> {
        users::parse_rfm_cuts(
            self.r_cuts.as_deref(),
            self.f_cuts.as_deref(),
            self.m_cuts.as_deref(),
        )
    }
}

async fn users(
    State(ws): State<Shared>,
    Query(p): Query<UserParams>,
) -> Result<Response, ServiceError> {
    let date = parse_date(p.date.as_deref())?;
    let mut seg = ws.users(p.shop.as_deref(), date, &p.cuts()?).await?;
    seg.users.sort_by(|a, b| {
        b.recall
            .cmp(&a.recall)
            .then(b.value_index.total_cmp(&a.value_index))
    });
    seg.users.truncate(p.limit.unwrap_or(200));
    Ok(Json(seg).into_response())
}

async fn cohorts(
    State(ws): State<Shared>,
    Query(p): Query<ReviewParams>,
) -> Result<Response, ServiceError> {
    let date = parse_date(p.date.as_deref())?;
    Ok(Json(ws.cohorts(p.shop.as_deref(), date).await?).into_response())
}
