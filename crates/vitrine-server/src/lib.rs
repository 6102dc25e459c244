//! The web surface: the dashboard's pages (Chinese first, English switch, ECharts served
//! from the binary), the `/api/v1` JSON API they read, sessions and roles per shop. Only
//! this crate knows HTTP; what the pages show comes from `vitrine-app`.

pub mod api;
pub mod auth;
pub mod error;
pub mod guard;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::RustEmbed;

pub use vitrine_app::{AppError, Workspace};

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

pub(crate) type Shared = Arc<Workspace>;

/// The dashboard's pages: path and asset. Each page reads only `/api/v1`.
pub const PAGES: &[(&str, &str)] = &[
    ("/", "index.html"),
    ("/login", "login.html"),
    ("/targets", "targets.html"),
    ("/alerts", "alerts.html"),
    ("/paid", "paid.html"),
    ("/users", "users.html"),
    ("/experiments", "experiments.html"),
    ("/risk", "risk.html"),
    ("/archive", "archive.html"),
    ("/import", "import.html"),
];

/// The application's routes over a workspace: pages, assets and `/api/v1`, behind the
/// default [`guard::Limits`].
pub fn router(ws: Workspace) -> Router {
    router_with(ws, guard::Limits::default())
}

/// [`router`] with other limits.
pub fn router_with(ws: Workspace, limits: guard::Limits) -> Router {
    let mut r = Router::new();
    for (path, file) in PAGES {
        r = r.route(path, get(move || async move { asset_response(file) }));
    }
    let r = r
        .route("/healthz", get(|| async { "ok" }))
        .route("/assets/{*path}", get(asset));
    let app = guard::time_limit(r, limits.timeout)
        .nest("/api/v1", api::router(&limits))
        .with_state(Arc::new(ws));
    guard::harden(app, limits)
}

/// Serves the dashboard on `addr` until the process is stopped.
pub async fn serve(ws: Workspace, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("dashboard on http://{addr}");
    serve_on(ws, listener).await
}

/// Serves the dashboard on a bound listener until the process is stopped. Uploads left
/// unconfirmed past their time are removed first; each shop's latest review is built in the
/// background meanwhile, so the first reader does not start it.
pub async fn serve_on(ws: Workspace, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    api::sweep_uploads(&ws.data_dir);
    let warm = ws.clone();
    tokio::spawn(async move { warm.warm_reviews().await });
    axum::serve(
        listener,
        router(ws).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
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
                    (header::CACHE_CONTROL, "no-cache"),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                ],
                file.data.into_owned(),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
