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

use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use vitrine_core::Lang;
use vitrine_lake::Role;

pub use openapi::openapi;

use crate::error::ApiError;
use crate::guard::time_limit;
use crate::Shared;

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
}

const fn ep(
    method: &'static str,
    path: &'static str,
    role: Option<Role>,
    summary: &'static str,
) -> Endpoint {
    Endpoint {
        method,
        path,
        role,
        public: false,
        summary,
        query: &[],
        body: None,
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
        )
    },
    Endpoint {
        public: true,
        ..ep("GET", "/api/v1/openapi.json", None, "This document")
    },
    ep("POST", "/api/v1/logout", None, "End the session"),
    ep(
        "GET",
        "/api/v1/me",
        None,
        "The caller, their grants and CSRF token",
    ),
    Endpoint {
        body: Some(r#"{"name": "etl"}"#),
        ..ep(
            "POST",
            "/api/v1/tokens",
            None,
            "Create an API token (shown once)",
        )
    },
    ep(
        "DELETE",
        "/api/v1/tokens/{id}",
        None,
        "Revoke one of your API tokens",
    ),
    ep("GET", "/api/v1/metrics", None, "The metric catalog"),
    ep(
        "GET",
        "/api/v1/labels",
        None,
        "The words (zh and en) for every code a user can see",
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
        )
    },
    Endpoint {
        body: Some(r#"{"name": "plans", "columns": ["plan", "roi"], "rows": [["P001", 2.4]]}"#),
        ..ep(
            "POST",
            "/api/v1/export/xlsx",
            None,
            "A table (as sorted and filtered on the page) as an XLSX file",
        )
    },
    ep(
        "GET",
        "/api/v1/shops",
        None,
        "Shops the caller may see, with their date ranges and role",
    ),
    Endpoint {
        query: &[DATE, LANG],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/review",
            V,
            "The daily review (overview page)",
        )
    },
    ep(
        "GET",
        "/api/v1/shops/{shop}/reviews",
        V,
        "Review archive: every day with data, newest first, with GMV and orders",
    ),
    Endpoint {
        query: &[
            ("metrics", "Comma-separated metric ids"),
            ("by", "Comma-separated dimensions"),
            ("grain", "total, day, week or month"),
            ("from", "First day"),
            ("to", "Last day"),
        ],
        ..ep("GET", "/api/v1/shops/{shop}/metric", V, "Query metrics")
    },
    Endpoint {
        query: &[("status", "open, acknowledged or resolved")],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/alerts",
            V,
            "Alerts, newest first",
        )
    },
    ep(
        "GET",
        "/api/v1/shops/{shop}/alerts/{id}/history",
        V,
        "An alert's status changes",
    ),
    Endpoint {
        body: Some(r#"{"note": "checking stock"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/alerts/{id}/ack",
            OP,
            "Acknowledge an alert",
        )
    },
    Endpoint {
        body: Some(r#"{"note": "restocked"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/alerts/{id}/resolve",
            OP,
            "Resolve an alert",
        )
    },
    Endpoint {
        body: Some(r#"{"owner": "wang"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/alerts/{id}/assign",
            OP,
            "Assign an alert to someone",
        )
    },
    Endpoint {
        query: &[DATE],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/targets",
            V,
            "Target tree, pacing, KPI targets and stored targets",
        )
    },
    Endpoint {
        body: Some(r#"{"metric": "gmv", "period": "year:2026", "value": 12000000}"#),
        ..ep("PUT", "/api/v1/shops/{shop}/targets", OP, "Set a target")
    },
    Endpoint {
        query: &[DATE],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/bids",
            V,
            "Paid traffic: plan diagnostics and recommendations",
        )
    },
    ep(
        "GET",
        "/api/v1/shops/{shop}/bids/audit",
        V,
        "Every recommended change, its decision trail and holds",
    ),
    Endpoint {
        body: Some(r#"{"plan": "P001", "hold": true, "note": "promo running"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/bids/hold",
            OP,
            "Put a plan on hold or release it",
        )
    },
    Endpoint {
        body: Some(r#"{"id": "2026-11-21:P001:pause", "note": "agreed"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/bids/approve",
            OP,
            "Approve a recommendation",
        )
    },
    Endpoint {
        body: Some(r#"{"id": "2026-11-21:P001:pause"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/bids/reject",
            OP,
            "Reject a recommendation",
        )
    },
    Endpoint {
        body: Some(r#"{"id": "2026-11-21:P001:pause"}"#),
        ..ep(
            "POST",
            "/api/v1/shops/{shop}/bids/apply",
            OP,
            "Mark an approved recommendation applied",
        )
    },
    Endpoint {
        query: &[DATE, ("limit", "Users listed (default 200)")],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/users",
            V,
            "User segments (RFM, lifecycle) and recall lists",
        )
    },
    Endpoint {
        query: &[DATE],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/users/cohorts",
            V,
            "Cohort retention",
        )
    },
    ep(
        "GET",
        "/api/v1/shops/{shop}/experiments",
        V,
        "Registered experiments",
    ),
    Endpoint {
        query: &[DATE],
        ..ep(
            "GET",
            "/api/v1/shops/{shop}/experiments/{id}",
            V,
            "One experiment with its analysis",
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
        )
    },
    ep(
        "POST",
        "/api/v1/shops/{shop}/imports/{id}/commit",
        OP,
        "Import a validated upload into the lake",
    ),
    ep(
        "GET",
        "/api/v1/shops/{shop}/members",
        AD,
        "Users with a role in the shop",
    ),
    Endpoint {
        body: Some(r#"{"name": "wang", "role": "operator", "password": "…"}"#),
        ..ep(
            "PUT",
            "/api/v1/shops/{shop}/members",
            AD,
            "Grant a role in the shop (creates the user when new)",
        )
    },
    ep(
        "DELETE",
        "/api/v1/shops/{shop}/members/{name}",
        AD,
        "Remove a user's role in the shop",
    ),
];

/// The `/api/v1` routes, each within its time limit.
pub fn router(limits: &crate::guard::Limits) -> Router<Shared> {
    let shop = Router::new()
        .route("/review", get(shop::review))
        .route("/reviews", get(shop::archive))
        .route("/metric", get(shop::metric))
        .route("/alerts", get(shop::alerts))
        .route("/alerts/{id}/history", get(shop::alert_history))
        .route("/alerts/{id}/{action}", post(shop::alert_action))
        .route("/targets", get(shop::targets).put(shop::set_target))
        .route("/bids", get(paid::bids))
        .route("/bids/audit", get(paid::audit))
        .route("/bids/hold", post(paid::hold))
        .route("/bids/{verb}", post(paid::decide))
        .route("/users", get(people::users))
        .route("/users/cohorts", get(people::cohorts))
        .route("/experiments", get(people::experiments))
        .route("/experiments/{id}", get(people::experiment))
        .route("/members", get(members::list).put(members::grant))
        .route("/members/{name}", axum::routing::delete(members::revoke));
    // The upload streams to disk and enforces `imports::MAX_UPLOAD` itself.
    let imports = Router::new()
        .route("/imports", post(imports::upload))
        .route("/imports/{id}/commit", post(imports::commit));
    let shop = time_limit(shop, limits.timeout).merge(time_limit(imports, limits.import_timeout));
    let top = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/tokens", post(session::create_token))
        .route("/tokens/{id}", axum::routing::delete(session::revoke_token))
        .route("/metrics", get(shop::catalog))
        .route("/labels", get(shop::labels))
        .route("/experiments/analyze", post(people::analyze))
        .route("/export/xlsx", post(export::xlsx))
        .route("/shops", get(shop::shops));
    time_limit(top, limits.timeout)
        .nest("/shops/{shop}", shop)
        .fallback(|| async { ApiError::not_found("no such endpoint (see /api/v1/openapi.json)") })
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
