//! Refunds through the JSON API: `/api/v1/payments/{id}/refunds`.

use super::auth::ApiStore;
use super::error::{ApiError, ErrorBody};
use super::json::{created_or_found, idempotency_key, parse_json};
use crate::payments::{PaymentError, PaymentService, RefundAsk};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use domain::{RefundView, ReturnedItems};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/payments/{id}/refunds", get(list_refunds).post(create_refund))
}

/// What to refund.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRefundBody {
    /// Minor units, at most what is left to refund. With `lines`, their
    /// total (or leave it out); with neither, all that is left.
    #[serde(default, deserialize_with = "domain::cart::optional_whole_number")]
    #[schema(minimum = 1)]
    amount: Option<i64>,
    /// Items given back, by their line's place in the cart (from 0): each
    /// line's share of its total (discount included) is refunded, and
    /// Klarna gets them as order lines.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 1000)]
    lines: Option<Vec<ReturnedItems>>,
    /// Your own reference (a return's number), sent to Klarna.
    #[serde(default)]
    #[schema(max_length = 255)]
    reference: Option<String>,
}

/// A payment's refunds, oldest first.
#[derive(Serialize, ToSchema)]
pub struct RefundList {
    pub refunds: Vec<RefundView>,
}

/// Refunds (part of) a paid payment whose money is captured. The refund is
/// recorded before Klarna is asked and asked again until Klarna answers, so
/// `status` may be `pending`: read it again with GET.
#[utoipa::path(
    post, path = "/api/v1/payments/{id}/refunds", tag = "payments",
    params(
        ("id" = String, Path, description = "The payment's id"),
        ("Idempotency-Key" = String, Header, pattern = r"^[!-~]{1,255}$", description = "The same for every retry of this refund: one key, one refund."),
    ),
    request_body = CreateRefundBody,
    responses(
        (status = 201, description = "A new refund (refunded, refused, or pending while Klarna has not answered)", body = RefundView),
        (status = 200, description = "The refund this key already made", body = RefundView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The payment is not paid and captured, or the key was used for another amount", body = ErrorBody),
        (status = 422, description = "The amount or items are more than is left to refund, or name no line of the cart; the field is named", body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn create_refund(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let body: CreateRefundBody = parse_json(&body)?;
    let ask = RefundAsk {
        store_id: &store_id,
        payment_id: &id,
        key: key.as_str(),
        amount: body.amount,
        lines: body.lines,
        reference: body.reference,
        requested_by: "api",
    };
    let refunded = service.refund(ask).await.map_err(|error| match error {
        // The refund's own wording for what it shares with payments.
        PaymentError::Invalid(errors) => ApiError::InvalidRefund(errors),
        PaymentError::KeyReused => ApiError::RefundKeyReused,
        other => other.into(),
    })?;
    Ok(created_or_found(refunded.created, refunded.refund))
}

/// A payment's refunds.
#[utoipa::path(
    get, path = "/api/v1/payments/{id}/refunds", tag = "payments",
    params(("id" = String, Path, description = "The payment's id")),
    responses(
        (status = 200, body = RefundList),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn list_refunds(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
) -> Result<Json<RefundList>, ApiError> {
    Ok(Json(RefundList { refunds: service.refunds(&store_id, &id).await? }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::{Source, StartRequest};
    use crate::testing::{cart_of, service_on_simulator};
    use axum::body::Body;
    use axum::http::Request;
    use axum::http::StatusCode;
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    async fn call(router: &Router, method: &str, uri: &str, key: Option<&str>, body: &str) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri).header("Authorization", "Bearer kassa-dev-key");
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = router.clone().oneshot(request.body(Body::from(body.to_string())).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn a_pos_refunds_once_per_key_and_is_told_what_is_left() {
        let (service, klarna) = service_on_simulator().await;
        let cart = cart_of("Tea", 1, 9_000);
        let started = service.start(StartRequest::api("stockholm", "api-paid", None, &cart)).await.unwrap().view;
        klarna.act(&klarna.only_session_id(), "open").await;
        klarna.act(&klarna.only_session_id(), "authorize").await;
        service.refresh(&started.id, Source::Callback).await.unwrap();
        let router = routes().with_state(AppState::new(service));
        let uri = format!("/api/v1/payments/{}/refunds", started.id);

        let (status, error) = call(&router, "POST", &uri, None, r#"{"amount":1000}"#).await;
        assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("Idempotency-Key")));
        let (status, refund) = call(&router, "POST", &uri, Some("ret-1"), r#"{"amount":1000,"reference":"R-1"}"#).await;
        assert_eq!(status, StatusCode::CREATED, "{refund}");
        assert_eq!((refund["status"].as_str(), refund["amount"].as_i64()), (Some("refunded"), Some(1_000)));
        let (status, again) = call(&router, "POST", &uri, Some("ret-1"), r#"{"amount":1000,"reference":"R-1"}"#).await;
        assert_eq!((status, &again["id"]), (StatusCode::OK, &refund["id"]));
        let (status, over) = call(&router, "POST", &uri, Some("ret-2"), r#"{"amount":8001}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{over}");
        assert_eq!(
            (over["error"]["code"].as_str(), over["error"]["field"].as_str()),
            (Some("invalid_refund"), Some("amount"))
        );
        let (status, reused) = call(&router, "POST", &uri, Some("ret-1"), r#"{"amount":2000}"#).await;
        assert_eq!(status, StatusCode::CONFLICT, "{reused}");
        assert!(reused["error"]["message"].as_str().unwrap().contains("different refund"), "{reused}");
        let (status, items) =
            call(&router, "POST", &uri, Some("ret-4"), r#"{"lines":[{"line":0,"quantity":2}]}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{items}");
        assert_eq!(
            (items["error"]["code"].as_str(), items["error"]["field"].as_str()),
            (Some("invalid_refund"), Some("lines[0].quantity"))
        );
        let (status, null) = call(&router, "POST", &uri, Some("ret-null"), r#"{"amount":null}"#).await;
        assert_eq!((status, null["amount"].as_i64()), (StatusCode::CREATED, Some(8_000)), "null: all that is left");
        let (status, bad) = call(&router, "POST", &uri, Some("ret-3"), r#"{"amount":"ten"}"#).await;
        assert_eq!((status, bad["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("amount")));
        let (status, list) = call(&router, "GET", &uri, None, "").await;
        assert_eq!((status, list["refunds"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)));
        let (status, _) = call(&router, "GET", "/api/v1/payments/nope/refunds", None, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(klarna.sim().orders()[0].refunds.len(), 2);
    }
}
