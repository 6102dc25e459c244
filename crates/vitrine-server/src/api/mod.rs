//! The JSON API, `/api/v1`: every page's data, behind a session or an API token, scoped to
//! the shops the caller is granted. [`ENDPOINTS`] lists it; the OpenAPI document and the
//! access tests are built from that list.

mod access;
mod export;
mod imports;
mod members;
mod openapi;
mod paid;
mod people;
mod replies;
mod session;
mod shop;
mod uploads;

use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;
use chrono::NaiveDate;
use vitrine_core::Lang;
use vitrine_lake::Role;

pub use openapi::openapi;

use crate::error::ApiError;
use crate::guard::time_limit;
use crate::Shared;

/// The handler of an endpoint and its time limit.
#[derive(Clone, Copy)]
pub enum Route {
    /// Within the ordinary request time limit.
    Normal(fn() -> MethodRouter<Shared>),
    /// Uploads and imports, which stream to disk: within the import time limit.
    Long(fn() -> MethodRouter<Shared>),
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Route::Normal(_) => "Normal",
            Route::Long(_) => "Long",
        })
    }
}

/// One endpoint of the API.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub method: &'static str,
    /// With `{shop}` and other path parameters, as in the OpenAPI document.
    pub path: &'static str,
    /// The least role needed in the path's shop; `None` for endpoints without a shop.
    pub role: Option<Role>,
    /// Whether the endpoint answers without a session or token.
    pub public: bool,
    pub summary: &'static str,
    /// Query parameters: name and description.
    pub query: &'static [(&'static str, &'static str)],
    /// A JSON body example, for state-changing endpoints.
    pub body: Option<&'static str>,
    /// The handler the router mounts at `path` for `method`.
    pub route: Route,
}

const fn ep(
    method: &'static str,
    path: &'static str,
    role: Option<Role>,
    summary: &'static str,
    route: Route,
) -> Endpoint {
    Endpoint {
        method,
        path,
        role,
        public: false,
        summary,
        query: &[],
        body: None,
        route,
    }
}

const DATE: (&str, &str) = ("date", "Day, YYYY-MM-DD (default: the shop's last day)");
const LANG: (&str, &str) = ("lang", "zh (default) or en");
const V: Option<Role> = Some(Role::Viewer);
const OP: Option<Role> = Some(Role::Operator);
const AD: Option<Role> = Some(Role::Admin);

/// Every endpoint under `/api/v1`.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        public: true,
        body: Some(r#"{"name": "li", "password": "…"}"#),
        ..ep(
            "POST",
            "/api/v1/login",
            None,
            "Log in; sets the session cookie and returns the CSRF token",
            Route::Normal(|| post(session::login)),
        )
    },
    Endpoint {
        public: true,
        ..ep(
            "GET",
            "/api/v1/openapi.json",
            None,
            "This document",
            Route::Normal(|| get(openapi::document)),
        )
    },
    ep(
        "POST",
        "/api/v1/logout",
        None,
        "End the session",
        Route::Normal(|| post(session::logout)),
    ),
    ep(
        "GET",
        "/api/v1/me",
        None,
        "The caller, their grants and CSRF token",
        Route::Normal(|| get(session::me)),
    ),
    Endpoint {
        body: Some(r#"{"name": "etl"}"#),
        ..ep(
            "POST",
            "/api/v1/tokens",
            None,
            "Create an API token (shown once)",
            Route::Normal(|| post(session::create_token)),
        )
    },
    ep(
        "DELETE",
        "/api/v1/tokens/{id}",
        None,
        "Revoke one of your API tokens",
        Route::Normal(|| delete(session::revoke_token)),
    ),
    ep(
        "GET",
        "/api/v1/metrics",
        None,
        "The metric catalog",
        Route::Normal(|| get(shop::catalog)),
    ),
    ep(
        "GET",
        "/api/v1/labels",
        None,
        "The words (zh and en) for every code a user can see",
        Route::Normal(|| get(shop::labels)),
    ),
    Endpoint {
        body: Some(
            r#"{"metric": "ctr", "variants": [{"name": "A", "n": 10000, "x": 300}, {"name": "B", "n": 10000, "x": 360}]}"#,
        ),
        ..ep(
            "POST",
            "/api/v1/experiments/analyze",
            None,
            "Analyse posted experiment counts",
            Route::Normal(|| post(people::analyze)),
        )
    },
    Endpoint {
        body: Some(r#"{"name": "plans", "columns": ["plan", "roi"], "rows": [["P001", 2.4]]}"#),
        ..ep(
            "POST",
            "/api/v1/export/xlsx",
            None,
            "A table (as sorted and filtered on the page) as an XLSX file",
            Route::Normal(|| post(export::xlsx)),
        )
    },
    ep(
        "GET",
        "/api/v1/shops",
        None,
        "Shops the caller may see, with their date ranges and role",
        Route::Normal(|| get(shop::shops)),
    ),
    Endpoint {
        query: &[DATE, LANG],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/review",
            V,
            "The daily review (overview page)",
            Route::Normal(|| get(shop::review)),
        )
    },
    ep(
        "GET",
        "/api/v1/shops/{shop}/reviews",
        V,
        "Review archive: every day with data, newest first, with GMV and orders",
        Route::Normal(|| get(shop::archive)),
    ),
    Endpoint {
        query: &[
            ("metrics", "Comma-separated metric ids"),
            ("by", "Comma-separated dimensions"),
            ("grain", "total, day, week or month"),
            ("from", "First day"),
            ("to", "Last day"),
        ],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/metric",
            V,
            "Query metrics",
            Route::Normal(|| get(shop::metric)),
        )
    },
    Endpoint {
        query: &[("status", "open, acknowledged or resolved")],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/alerts",
            V,
            "Alerts, newest first",
            Route::Normal(|| get(shop::alerts)),
        )
    },
    ep(
        "GET",
        "/api/v1/shops/{shop}/alerts/{id}/history",
        V,
        "An alert's status changes",
        Route::Normal(|| get(shop::alert_history)),
    ),
    Endpoint {
        body: Some(r#"{"note": "checking stock"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/alerts/{id}/ack",
            OP,
            "Acknowledge an alert",
            Route::Normal(|| post(shop::alert_action)),
        )
    },
    Endpoint {
        body: Some(r#"{"note": "restocked"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/alerts/{id}/resolve",
            OP,
            "Resolve an alert",
            Route::Normal(|| post(shop::alert_action)),
        )
    },
    Endpoint {
        body: Some(r#"{"owner": "wang"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/alerts/{id}/assign",
            OP,
            "Assign an alert to someone",
            Route::Normal(|| post(shop::alert_action)),
        )
    },
    Endpoint {
        query: &[DATE],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/targets",
            V,
            "Target tree, pacing, KPI targets and stored targets",
            Route::Normal(|| get(shop::targets)),
        )
    },
    Endpoint {
        body: Some(r#"{"metric": "gmv", "period": "year:2026", "value": 12000000}"#),
        ..ep(
            "PUT",
            "/api/v1/shops/{shop}/targets",
            OP,
            "Set a target",
            Route::Normal(|| put(shop::set_target)),
        )
    },
    Endpoint {
        query: &[DATE],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/bids",
            V,
            "Paid traffic: plan diagnostics and recommendations",
            Route::Normal(|| get(paid::bids)),
        )
    },
    ep(
        "GET",
        "/api/v1/shops/{shop}/bids/audit",
        V,
        "Every recommended change, its decision trail and holds",
        Route::Normal(|| get(paid::audit)),
    ),
    Endpoint {
        body: Some(r#"{"plan": "P001", "hold": true, "note": "promo running"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/bids/hold",
            OP,
            "Put a plan on hold or release it",
            Route::Normal(|| post(paid::hold)),
        )
    },
    Endpoint {
        body: Some(r#"{"id": "2026-11-21:P001:pause", "note": "agreed"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/bids/approve",
            OP,
            "Approve a recommendation",
            Route::Normal(|| post(paid::decide)),
        )
    },
    Endpoint {
        body: Some(r#"{"id": "2026-11-21:P001:pause"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/bids/reject",
            OP,
            "Reject a recommendation",
            Route::Normal(|| post(paid::decide)),
        )
    },
    Endpoint {
        body: Some(r#"{"id": "2026-11-21:P001:pause"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/bids/apply",
            OP,
            "Mark an approved recommendation applied",
            Route::Normal(|| post(paid::decide)),
        )
    },
    Endpoint {
        query: &[DATE, ("limit", "Users listed (default 200)")],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/users",
            V,
            "User segments (RFM, lifecycle) and recall lists",
            Route::Normal(|| get(people::users)),
        )
    },
    Endpoint {
        query: &[DATE],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/users/cohorts",
            V,
            "Cohort retention",
            Route::Normal(|| get(people::cohorts)),
        )
    },
    ep(
        "GET",
        "/api/v1/shops/{shop}/experiments",
        V,
        "Registered experiments",
        Route::Normal(|| get(people::experiments)),
    ),
    Endpoint {
        query: &[DATE],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/experiments/{id}",
            V,
            "One experiment with its analysis",
            Route::Normal(|| get(people::experiment)),
        )
    },
    Endpoint {
        query: &[(
            "filename",
            "The uploaded file's name (its extension picks the reader)",
        )],
        body: Some("<file bytes>"),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/imports",
            OP,
            "Upload an export file and validate it (nothing is imported yet)",
            Route::Long(|| post(imports::upload)),
        )
    },
    ep(
        "POST",
        "/api/v1/shops/{shop}/imports/{id}/commit",
        OP,
        "Import a validated upload into the lake",
        Route::Long(|| post(imports::commit)),
    ),
    ep(
        "GET",
        "/api/v1/shops/{shop}/members",
        AD,
        "Users with a role in the shop",
        Route::Normal(|| get(members::list)),
    ),
    Endpoint {
        body: Some(r#"{"name": "wang", "role": "operator", "password": "…"}"#),
        ..ep(
            "PUT",
            "/api/v1/shops/{shop}/members",
            AD,
            "Grant a role in the shop (creates the user when new)",
            Route::Normal(|| put(members::grant)),
        )
    },
    ep(
        "DELETE",
        "/api/v1/shops/{shop}/members/{name}",
        AD,
        "Remove a user's role in the shop",
        Route::Normal(|| delete(members::revoke)),
    ),
];

/// The `/api/v1` routes, built from [`ENDPOINTS`], each within its time limit.
pub fn router(limits: &crate::guard::Limits) -> Router<Shared> {
    let (mut normal, mut long) = (Router::new(), Router::new());
    for e in ENDPOINTS {
        let path = e.path.strip_prefix("/api/v1").unwrap_or(e.path);
        match e.route {
            Route::Normal(h) => normal = normal.route(path, h()),
            Route::Long(h) => long = long.route(path, h()),
        }
    }
    time_limit(normal, limits.timeout)
        .merge(time_limit(long, limits.import_timeout))
        .fallback(|| async { ApiError::not_found("no such endpoint (see /api/v1/openapi.json)") })
}

/// The last segment of a request path: the verb of a verb route (`…/alerts/7/ack`).
/// A JSON body built (and kept) elsewhere, sent as it is.
fn json_bytes(json: axum::body::Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json,
    )
        .into_response()
}

fn last_segment(uri: &axum::http::Uri) -> &str {
    uri.path().rsplit('/').next().unwrap_or("")
}

/// Removes uploads left unconfirmed past their time (24 h).
pub fn sweep_uploads(data_dir: &std::path::Path) -> usize {
    uploads::sweep(data_dir, std::time::SystemTime::now())
}

/// The `?date=` of read endpoints.
#[derive(serde::Deserialize)]
pub(crate) struct DateParam {
    pub(crate) date: Option<String>,
}

pub(crate) fn parse_date(s: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    s.filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<NaiveDate>()
                .map_err(|_| ApiError::bad_request(format!("date `{x}` is not YYYY-MM-DD")))
        })
        .transpose()
}

pub(crate) fn parse_lang(s: Option<&str>) -> Result<Lang, ApiError> {
    s.map(Lang::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(e.to_string()))
        .map(Option::unwrap_or_default)
}
