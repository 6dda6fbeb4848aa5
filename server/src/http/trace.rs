//! Request ids and access logs. Every request gets an `x-request-id` (a
//! well-formed one from a proxy is kept), sent back on the answer, and one
//! span that all its log lines carry, the Klarna client's included. Paths
//! are logged without their query (a kiosk's `?key=`) and without the
//! secret in Klarna's callback paths; headers are never logged.

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{from_fn, Next};
use axum::response::Response;
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

pub const REQUEST_ID: &str = "x-request-id";
/// Longest path worth logging; the rest is cut.
const MAX_LOGGED_PATH: usize = 200;

/// Wraps the router in the request-id and access-log layers.
pub fn layer(router: Router) -> Router {
    router
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(from_fn(drop_malformed_id))
}

/// A client's own id is kept only if it is short and plain, so nobody can
/// write into the log through it; otherwise Kassa makes one.
async fn drop_malformed_id(mut request: Request, next: Next) -> Response {
    if request.headers().get(REQUEST_ID).is_some_and(|id| !well_formed(id)) {
        request.headers_mut().remove(REQUEST_ID);
    }
    next.run(request).await
}

fn well_formed(id: &HeaderValue) -> bool {
    let id = id.as_bytes();
    (1..=64).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn span(request: &axum::http::Request<Body>) -> Span {
    let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", id, method = %request.method(), path = %logged_path(request.uri().path()))
}

/// The path as logged: callback secrets and authorization tokens (in the
/// embedded simulator's place-order paths) redacted, length bounded.
pub fn logged_path(path: &str) -> String {
    let mut segments: Vec<&str> = path.split('/').collect();
    let callback = path.starts_with("/klarna/status/");
    for at in 1..segments.len() {
        let secret = (callback && at == 4) || segments[at - 1] == "authorizations";
        if secret && !segments[at].is_empty() {
            segments[at] = "[redacted]";
        }
    }
    let path = segments.join("/");
    match path.char_indices().nth(MAX_LOGGED_PATH) {
        Some((at, _)) => format!("{}…", &path[..at]),
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tower::ServiceExt;

    #[test]
    fn secrets_and_queries_stay_out_of_logged_paths() {
        assert_eq!(logged_path("/klarna/status/pay_1/s3cret"), "/klarna/status/pay_1/[redacted]");
        assert_eq!(
            logged_path("/klarna-sim/payments/v1/authorizations/tok-123/order"),
            "/klarna-sim/payments/v1/authorizations/[redacted]/order"
        );
        assert_eq!(logged_path("/api/v1/payments/pay_1"), "/api/v1/payments/pay_1");
        assert_eq!(logged_path(&"/a".repeat(300)).chars().count(), MAX_LOGGED_PATH + 1);
    }

    #[tokio::test]
    async fn every_answer_carries_a_request_id_and_a_plain_one_is_kept() {
        let router = layer(Router::new().route("/", get(|| async { "ok" })));
        let id_of = |given: Option<&str>| {
            let mut request = axum::http::Request::builder().uri("/?key=kiosk-secret");
            if let Some(given) = given {
                request = request.header(REQUEST_ID, given);
            }
            let router = router.clone();
            async move {
                let response = router.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
                response.headers()[REQUEST_ID].to_str().unwrap().to_string()
            }
        };
        let made = id_of(None).await;
        assert_eq!(made.len(), 36, "a UUID: {made}");
        assert_ne!(made, id_of(None).await, "one per request");
        assert_eq!(id_of(Some("lb-7f3a.1")).await, "lb-7f3a.1", "a proxy's id is kept");
        let forged = id_of(Some("x\" admin=1 {}")).await;
        assert_eq!(forged.len(), 36, "a malformed id is replaced: {forged}");
    }
}
