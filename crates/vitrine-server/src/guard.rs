//! What every request passes through before a handler: a limit on requests in flight (503
//! when it stays full), a time limit, a refusal of cross-site state changes, a panic turned
//! into a 500 answer (the server lives on), and the security headers of every response.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::ApiError;

/// How much a server takes at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests handled at once; more wait up to `queue_wait`, then get 503.
    pub in_flight: usize,
    pub queue_wait: Duration,
    /// Time limit of one request (uploads and imports have [`Limits::import_timeout`]).
    pub timeout: Duration,
    pub import_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            in_flight: 256,
            queue_wait: Duration::from_secs(5),
            timeout: Duration::from_secs(60),
            import_timeout: Duration::from_secs(15 * 60),
        }
    }
}

/// Pages may run only our own scripts (no inline script), be framed by no one, and talk only
/// to this server.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// Everything else (JSON, files) is never a document.
const DATA_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The router with every guard of this module around it.
pub fn harden(router: Router, limits: Limits) -> Router {
    let gate = Arc::new(Semaphore::new(limits.in_flight));
    router
        .layer(axum::middleware::from_fn(same_origin))
        .layer(axum::middleware::from_fn(move |req, next| {
            admit(Arc::clone(&gate), limits.queue_wait, req, next)
        }))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("the request failed inside the server; it was logged")
                .into_response()
        }))
        .layer(axum::middleware::map_response(headers))
}

/// A time limit for the routes it wraps: 503 with the limit when it runs out.
pub fn time_limit(router: Router<crate::Shared>, limit: Duration) -> Router<crate::Shared> {
    router.route_layer(axum::middleware::from_fn(
        move |req: Request, next: Next| async move {
            match tokio::time::timeout(limit, next.run(req)).await {
                Ok(r) => r,
                Err(_) => ApiError::timed_out(limit.as_secs()).into_response(),
            }
        },
    ))
}

async fn admit(gate: Arc<Semaphore>, wait: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(wait, gate.acquire_owned()).await {
        Ok(Ok(_permit)) => next.run(req).await,
        _ => ApiError::busy().into_response(),
    }
}

/// Refuses a state-changing request a browser marks as cross-site, or whose `Origin` is not
/// the host it was sent to. Scripts with API tokens send neither header and pass.
async fn same_origin(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || !cross_site(&req) {
        next.run(req).await
    } else {
        ApiError::cross_site().into_response()
    }
}

fn cross_site(req: &Request) -> bool {
    let h = req.headers();
    let text = |n: HeaderName| h.get(n).and_then(|v| v.to_str().ok());
    if text(HeaderName::from_static("sec-fetch-site")) == Some("cross-site") {
        return true;
    }
    let Some(origin) = text(header::ORIGIN) else {
        return false;
    };
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    origin_host != text(header::HOST)
}

async fn headers(mut r: Response) -> Response {
    let html = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = r.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        if html { PAGE_CSP } else { DATA_CSP },
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::CACHE_CONTROL, "no-store");
    r
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::routing::{get, post};
    use tower::ServiceExt;

    use super::*;

    fn app(limits: Limits) -> Router {
        let r = Router::new()
            .route("/ok", get(|| async { "ok" }).post(|| async { "done" }))
            .route(
                "/panic",
                get(|| async {
                    let broken: Option<&str> = None;
                    broken.expect("a bug in a handler")
                }),
            )
            .route(
                "/slow",
                post(|| async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    "slow"
                }),
            );
        harden(r, limits)
    }

    async fn call(app: &Router, req: Request<Body>) -> Response {
        app.clone().oneshot(req).await.unwrap()
    }

    fn get_req(uri: &str) -> Request<Body> {
        Request::get(uri)
            .header("host", "h:1")
            .body(Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn a_panic_answers_500_and_the_next_request_is_served() {
        let app = app(Limits::default());
        let r = call(&app, get_req("/panic")).await;
        assert_eq!(r.status(), 500);
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("\"internal\""));
        assert_eq!(call(&app, get_req("/ok")).await.status(), 200);
    }

    #[tokio::test]
    async fn a_full_server_answers_503_with_retry_after() {
        let app = app(Limits {
            in_flight: 1,
            queue_wait: Duration::from_millis(20),
            ..Limits::default()
        });
        let slow = || {
            Request::post("/slow")
                .header("host", "h:1")
                .body(Body::empty())
                .unwrap()
        };
        let (a, b) = tokio::join!(call(&app, slow()), call(&app, slow()));
        let mut codes = [a.status().as_u16(), b.status().as_u16()];
        codes.sort();
        assert_eq!(codes, [200, 503]);
        let busy = if a.status() == 503 { a } else { b };
        assert_eq!(busy.headers()[header::RETRY_AFTER], "1");
    }

    #[tokio::test]
    async fn cross_site_writes_are_refused_and_same_site_ones_pass() {
        let app = app(Limits::default());
        let post = |origin: Option<&str>, site: Option<&str>| {
            let mut b = Request::post("/ok").header("host", "h:1");
            if let Some(o) = origin {
                b = b.header("origin", o);
            }
            if let Some(s) = site {
                b = b.header("sec-fetch-site", s);
            }
            b.body(Body::empty()).unwrap()
        };
        let status = |r: Response| r.status().as_u16();
        assert_eq!(
            status(call(&app, post(Some("https://evil.example"), None)).await),
            403
        );
        assert_eq!(status(call(&app, post(Some("null"), None)).await), 403);
        assert_eq!(
            status(call(&app, post(None, Some("cross-site"))).await),
            403
        );
        assert_eq!(
            status(call(&app, post(Some("http://h:1"), Some("same-origin"))).await),
            200
        );
        assert_eq!(status(call(&app, post(None, None)).await), 200);
    }

    #[tokio::test]
    async fn pages_and_data_carry_their_security_headers() {
        let app = app(Limits::default());
        let r = call(&app, get_req("/ok")).await;
        let h = r.headers();
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], DATA_CSP);
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    }
}
