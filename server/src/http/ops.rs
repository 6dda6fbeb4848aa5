//! What operators and their tools reach: `/healthz` (the process answers),
//! `/readyz` (it can take payments) and `/metrics` (Prometheus text, behind
//! `operations.metrics_token_sha256`).

use super::auth::bearer;
use super::client::ClientAddress;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

/// The process is up and serving HTTP; nothing else is asked.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database answers and the tracker runs (Klarna may be
/// `degraded`: Kassa still serves what it has); 503 otherwise.
async fn readyz(State(state): State<AppState>) -> Response {
    let health = state.payments.health().await;
    let (status, word) =
        if health.ready() { (StatusCode::OK, "ready") } else { (StatusCode::SERVICE_UNAVAILABLE, "not_ready") };
    (status, Json(json!({ "status": word, "checks": health }))).into_response()
}

/// Prometheus text format. The token's hash is in the live config, so a
/// reload changes it; a client guessing tokens waits like one guessing API keys.
async fn metrics(State(state): State<AppState>, ClientAddress(client): ClientAddress, headers: HeaderMap) -> Response {
    let Some(token) = state.payments.config().operations.metrics_token_sha256.clone() else {
        let off = "metrics are off: set operations.metrics_token_sha256 to the SHA-256 of a token";
        return (StatusCode::NOT_FOUND, Json(json!({ "error": { "code": "not_found", "message": off } })))
            .into_response();
    };
    let opened = bearer(&state.failures, client, &headers, "metrics token", |given| token.matches(given).then_some(()));
    if let Err(refused) = opened {
        return refused.into_response();
    }
    let text = crate::telemetry::recorder().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::service_on_simulator;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn get(router: &Router, uri: &str, token: Option<&str>) -> (StatusCode, String) {
        let mut request = Request::builder().uri(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn health_readiness_and_metrics_answer_as_documented() {
        crate::telemetry::recorder();
        let (service, _klarna) = service_on_simulator().await;
        let router = routes().with_state(AppState::new(service.clone()));
        assert_eq!(get(&router, "/healthz", None).await, (StatusCode::OK, r#"{"status":"ok"}"#.into()));

        let (status, body) = get(&router, "/readyz", None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "no tracker yet: {body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["status"], "not_ready");
        assert_eq!(
            body["checks"]["tracker"],
            serde_json::json!({"status": "failed", "detail": "the tracker has not started"})
        );
        tokio::spawn(service.clone().run_tracker());
        let ready = || async { (get(&router, "/readyz", None).await.0 == StatusCode::OK).then_some(()) };
        crate::testing::eventually("readiness", ready).await;
        let (_, body) = get(&router, "/readyz", None).await;
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["status"], "ready");
        assert_eq!(body["checks"]["klarna"]["status"], "ok");

        // The test config's token is the development one.
        let (status, text) = get(&router, "/metrics", Some(crate::config::DEV_METRICS_TOKEN)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(text.contains("kassa_klarna_requests_total{endpoint=\"GET /hpp/v1/sessions/{id}\""), "{text}");
        assert!(text.contains("kassa_klarna_request_duration_seconds_bucket{endpoint="), "histograms: {text}");
        for (token, want) in [(None, StatusCode::UNAUTHORIZED), (Some("kassa-dev-metric"), StatusCode::UNAUTHORIZED)] {
            let (status, body) = get(&router, "/metrics", token).await;
            assert_eq!(status, want, "{body}");
            assert!(!body.contains("kassa_"), "{body}");
        }
    }

    #[tokio::test]
    async fn metrics_are_off_without_a_token() {
        let (service, _klarna) = service_on_simulator().await;
        let mut config = (*service.config()).clone();
        config.operations.metrics_token_sha256 = None;
        service.replace_config(config).await.unwrap();
        let router = routes().with_state(AppState::new(service));
        let (status, body) = get(&router, "/metrics", Some(crate::config::DEV_METRICS_TOKEN)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("operations.metrics_token_sha256"), "{body}");
    }
}
