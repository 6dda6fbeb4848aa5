//! The JSON API for POS systems: `/api/v1/payments` and `/api/v1/events`.
//! Each handler's `#[utoipa::path]` is its part of the published contract
//! (`/api/v1/openapi.json`, see `openapi`).

use super::auth::ApiStore;
use super::error::{ApiError, ErrorBody};
use super::json::{created_or_found, idempotency_key, parse_json, ApiQuery};
use super::sse;
use crate::payments::web::ShopReturnUrls;
use crate::payments::{PaymentError, PaymentService, StartRequest};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{any, get};
use axum::{Json, Router};
use domain::PaymentView;
use domain::{CartInput, CartLineInput};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/payments", get(list_payments).post(create_payment))
        .route("/api/v1/payments/{id}", get(read_payment).delete(cancel_payment))
        .route("/api/v1/payments/{id}/events", get(payment_events))
        .route("/api/v1/events", get(store_events))
        // Anything else under the API answers in JSON, not with a page.
        .route("/api/v1", any(unknown_path))
        .route("/api/v1/{*rest}", any(unknown_path))
        .method_not_allowed_fallback(method_not_allowed)
}

async fn unknown_path() -> ApiError {
    ApiError::UnknownPath
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePaymentBody {
    /// The store; if given, it must be the API key's.
    #[serde(default)]
    store: Option<String>,
    /// The POS's own id for the cart: while a payment for it is live,
    /// starting again returns that payment.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 255)]
    cart_ref: Option<String>,
    /// 1 to 1,000 order lines; not all free.
    #[schema(min_items = 1, max_items = 1000)]
    lines: Vec<CartLineInput>,
    /// `store` (default: a till, Klarna's IN_STORE) or `web` (a website that
    /// redirects the shopper to `redirect_url`, Klarna's ECOMMERCE).
    #[serde(default)]
    channel: Channel,
    /// Channel web only, and required there: the shop's result pages.
    #[serde(default)]
    return_urls: Option<ReturnUrls>,
}

/// Where the shopper's browser goes after Klarna's page: absolute http(s)
/// URLs; `success` and `failure` required, `back` or `cancel` (not both).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnUrls {
    #[serde(default)]
    #[schema(format = "uri")]
    success: Option<String>,
    #[serde(default)]
    #[schema(format = "uri")]
    failure: Option<String>,
    /// Without it, technical errors go to `failure`.
    #[serde(default)]
    #[schema(format = "uri")]
    error: Option<String>,
    #[serde(default)]
    #[schema(format = "uri")]
    back: Option<String>,
    #[serde(default)]
    #[schema(format = "uri")]
    cancel: Option<String>,
}

impl From<ReturnUrls> for ShopReturnUrls {
    fn from(urls: ReturnUrls) -> ShopReturnUrls {
        let ReturnUrls { success, failure, error, back, cancel } = urls;
        ShopReturnUrls { success, failure, error, back, cancel }
    }
}

#[derive(Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    #[default]
    Store,
    Web,
}

/// Starts a payment, or answers the one this `Idempotency-Key` (or this
/// live `cart_ref`) already has.
#[utoipa::path(
    post, path = "/api/v1/payments", tag = "payments",
    params(("Idempotency-Key" = String, Header, pattern = r"^[!-~]{1,255}$", description = "1 to 255 visible ASCII characters; the same for every retry of this payment. A key stands for its payment until 24 hours after it was created and has ended; later it starts a new payment.")),
    request_body = CreatePaymentBody,
    responses(
        (status = 201, description = "A new payment; its link is ready", body = PaymentView),
        (status = 200, description = "The payment this key or live cart_ref already has", body = PaymentView),
        (status = 400, description = "Malformed JSON, a missing or bad Idempotency-Key", body = ErrorBody),
        (status = 401, description = "No or a wrong API key", body = ErrorBody),
        (status = 403, description = "Another store's payment", body = ErrorBody),
        (status = 409, description = "The key was used for another cart, or the cart_ref has a live payment for another cart", body = ErrorBody),
        (status = 422, description = "The cart or return URLs break a rule; each field is named", body = ErrorBody),
        (status = 429, description = "Too many wrong keys from this client", body = ErrorBody),
        (status = 502, description = "Klarna refused the payment", body = ErrorBody),
        (status = 503, description = "Klarna or Kassa's database cannot be reached now; retry with the same key", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn create_payment(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let body: CreatePaymentBody = parse_json(&body)?;
    if let Some(store) = body.store.filter(|s| *s != store_id) {
        return Err(ApiError::WrongStore(store));
    }
    let config = service.config();
    let store = config.store(&store_id).ok_or(ApiError::WrongStore(store_id.clone()))?;
    let cart = CartInput { lines: body.lines };
    let (key, cart_ref) = (key.as_str(), body.cart_ref.as_deref());
    let return_urls = body.return_urls.map(ShopReturnUrls::from);
    let request = match (body.channel, &return_urls) {
        (Channel::Store, None) => StartRequest::api(&store_id, key, cart_ref, &cart),
        (Channel::Store, Some(_)) => {
            return Err(ApiError::invalid_field("return_urls", "only for \"channel\": \"web\""));
        }
        (Channel::Web, None) => {
            return Err(ApiError::invalid_field(
                "return_urls",
                "required for \"channel\": \"web\": your success and failure pages (and back or cancel)",
            ));
        }
        (Channel::Web, Some(urls)) => {
            urls.validate().map_err(ApiError::Invalid)?;
            StartRequest::web(&config, store, key, cart_ref, &cart, Some(urls))
        }
    };
    let started = service.start(request).await?;
    Ok(created_or_found(started.created, started.view))
}

/// One payment as Kassa last recorded it.
#[utoipa::path(
    get, path = "/api/v1/payments/{id}", tag = "payments",
    params(("id" = String, Path, description = "The payment's id")),
    responses(
        (status = 200, body = PaymentView),
        (status = 401, body = ErrorBody), (status = 404, description = "No such payment in this store", body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn read_payment(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    Ok(Json(service.get(&store_id, &id).await?))
}

/// Cancels a payment that is not paid: its link is withdrawn at Klarna.
#[utoipa::path(
    delete, path = "/api/v1/payments/{id}", tag = "payments",
    params(("id" = String, Path, description = "The payment's id")),
    responses(
        (status = 200, description = "The payment, cancelled (or as it ended)", body = PaymentView),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Too late: the shopper is paying or has paid", body = ErrorBody),
        (status = 429, body = ErrorBody),
        (status = 502, body = ErrorBody),
        (status = 503, description = "Klarna did not confirm the withdrawal: the link may still be paid", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn cancel_payment(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    Ok(Json(service.cancel(&store_id, &id).await?))
}

/// The most payments one page holds, and how many unless asked.
const MAX_PAGE: u32 = 100;
const DEFAULT_PAGE: u32 = 50;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The store; if given, it must be the API key's.
    store: Option<String>,
    /// RFC 3339; payments created at or after it. Default: the start of
    /// today in the store's time zone.
    #[param(format = DateTime)]
    since: Option<String>,
    /// 1 to 100 payments per page (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The last payment id of the previous page.
    #[param(pattern = r"^[A-Za-z0-9-]{1,64}$")]
    starting_after: Option<String>,
}

/// One page of the store's payments, newest first.
#[derive(Serialize, ToSchema)]
pub struct PaymentList {
    pub payments: Vec<PaymentView>,
    /// More payments follow: ask again with `starting_after` set to the
    /// last payment's id.
    pub has_more: bool,
}

/// The store's payments since a time, newest first, a page at a time.
#[utoipa::path(
    get, path = "/api/v1/payments", tag = "payments",
    params(ListQuery),
    responses(
        (status = 200, body = PaymentList),
        (status = 400, description = "A query value is not as described; the field is named", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "starting_after names no payment of this store", body = ErrorBody),
        (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn list_payments(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<PaymentList>, ApiError> {
    if let Some(store) = query.store.filter(|s| *s != store_id) {
        return Err(ApiError::WrongStore(store));
    }
    let since = match query.since {
        Some(text) => time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
            .map_err(|_| ApiError::BadQuery {
                field: "since",
                message: format!("since: {text:?} is not an RFC 3339 time such as 2026-11-27T00:00:00Z"),
            })
            .map(crate::clock::millis)?,
        None => service.start_of_today(&store_id)?,
    };
    let limit = match query.limit.as_deref() {
        None => DEFAULT_PAGE,
        Some(text) => text.parse().ok().filter(|n| (1..=MAX_PAGE).contains(n)).ok_or_else(|| ApiError::BadQuery {
            field: "limit",
            message: format!("limit: {text:?} is not a whole number from 1 to {MAX_PAGE}"),
        })?,
    };
    let after = query.starting_after.as_deref();
    let page = service.list_page(&store_id, since, after, limit).await.map_err(|error| match error {
        PaymentError::NotFound => ApiError::NotFoundField { field: "starting_after" },
        other => other.into(),
    })?;
    Ok(Json(PaymentList { payments: page.payments, has_more: page.has_more }))
}

/// One payment live: `payment` events (data: a PaymentView) from its state now
/// to its final one, then the stream ends.
#[utoipa::path(
    get, path = "/api/v1/payments/{id}/events", tag = "events",
    params(("id" = String, Path, description = "The payment's id")),
    responses(
        (status = 200, description = "Server-sent events: `payment` (data: a PaymentView, as GET /api/v1/payments/{id} answers) now and at every change; the stream ends after a final status", content_type = "text/event-stream", body = String),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn payment_events(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(sse::payment_stream(service, store_id, id).await?)
}

/// Every change to the store's payments, live.
#[utoipa::path(
    get, path = "/api/v1/events", tag = "events",
    params(("Last-Event-ID" = Option<String>, Header, description = "Sent by a reconnecting client: the stream then starts with `resync`")),
    responses(
        (status = 200, description = "Server-sent events: `payment` (data: a PaymentView) at every change of any of the store's payments; `refund` (data: a RefundView) when a refund is asked for and when Klarna confirms or refuses it; `resync` (data: {}) when changes may have been missed: list the payments again", content_type = "text/event-stream", body = String),
        (status = 401, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn store_events(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Ok(sse::store_stream(store_id, service.events().subscribe(), sse::resumed(&headers)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{service_on_simulator, TestKlarna};
    use axum::body::Body;
    use axum::http::Request;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    const CART: &str = r#"{"lines":[{"name":"Shoes","quantity":2,"unit_price":49900,"tax_rate":2500}]}"#;

    async fn call(router: &Router, method: &str, uri: &str, key: Option<&str>, body: &str) -> (StatusCode, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("Authorization", "Bearer kassa-dev-key")
            .header("Content-Type", "application/json");
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = router.clone().oneshot(request.body(Body::from(body.to_string())).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn api() -> (Router, TestKlarna) {
        let (router, _, klarna) = api_and_service().await;
        (router, klarna)
    }

    async fn api_and_service() -> (Router, Arc<PaymentService>, TestKlarna) {
        let (service, klarna) = service_on_simulator().await;
        (routes().with_state(AppState::new(service.clone())), service, klarna)
    }

    #[tokio::test]
    async fn creates_a_payment_once_per_idempotency_key() {
        let (router, klarna) = api().await;
        let (status, first) = call(&router, "POST", "/api/v1/payments", Some("order-1001"), CART).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        assert_eq!(first["status"], "waiting");
        assert_eq!(first["order_amount"], 99_800);
        assert!(first["redirect_url"].as_str().unwrap().starts_with(&klarna.base));
        assert!(first["qr_code_url"].as_str().unwrap().ends_with("/qr"));
        let module = first["distribution_module_url"].as_str().unwrap();
        assert!(module.contains("profile_id=seller&view_id=seller"), "{module}");
        assert!(first["expires_at"].as_str().is_some());

        let (status, again) = call(&router, "POST", "/api/v1/payments", Some("order-1001"), CART).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again["id"], first["id"]);
        assert_eq!(klarna.hpp_sessions(), 1, "a retry must not create a second Klarna session");

        let other_cart = CART.replace("\"quantity\":2", "\"quantity\":3");
        let (status, reused) = call(&router, "POST", "/api/v1/payments", Some("order-1001"), &other_cart).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(reused["error"]["code"], "idempotency_key_reused");
    }

    #[tokio::test]
    async fn lists_page_by_page_and_refuses_bad_query_values_naming_them() {
        let (router, _klarna) = api().await;
        let mut ids = Vec::new();
        for n in 0..5 {
            let cart = CART.replace("49900", &format!("{}", 100 + n));
            let (_, created) = call(&router, "POST", "/api/v1/payments", Some(&format!("page-{n}")), &cart).await;
            ids.push(created["id"].as_str().unwrap().to_string());
        }
        let mut seen = Vec::new();
        let mut uri = "/api/v1/payments?limit=2".to_string();
        loop {
            let (status, page) = call(&router, "GET", &uri, None, "").await;
            assert_eq!(status, StatusCode::OK, "{page}");
            let payments = page["payments"].as_array().unwrap();
            assert!(payments.len() <= 2);
            seen.extend(payments.iter().map(|p| p["id"].as_str().unwrap().to_string()));
            if !page["has_more"].as_bool().unwrap() {
                break;
            }
            uri = format!("/api/v1/payments?limit=2&starting_after={}", seen.last().unwrap());
        }
        ids.reverse();
        assert_eq!(seen, ids, "every payment once, newest first");
        let (_, all) = call(&router, "GET", "/api/v1/payments", None, "").await;
        assert_eq!((all["payments"].as_array().unwrap().len(), &all["has_more"]), (5, &Value::Bool(false)));

        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=ten", "limit"),
            ("since=yesterday", "since"),
            ("limit=1&limit=2", "query"),
        ] {
            let (status, error) = call(&router, "GET", &format!("/api/v1/payments?{query}"), None, "").await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {error}");
            assert_eq!(error["error"]["field"], field, "{query}: {error}");
        }
        for (query, field) in
            [("starting_after=no-such-payment", "starting_after"), ("starting_after=..%2F", "starting_after")]
        {
            let (status, error) = call(&router, "GET", &format!("/api/v1/payments?{query}"), None, "").await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{query}: {error}");
            assert_eq!(error["error"]["field"], field, "{query}: {error}");
        }
    }

    #[tokio::test]
    async fn todays_list_starts_at_the_stores_local_midnight() {
        let (router, service, _klarna) = api_and_service().await;
        let start = service.start_of_today("stockholm").unwrap();
        assert_ne!(start % 86_400_000, 0, "Stockholm's midnight is not UTC's");
        let mut ids = Vec::new();
        for (n, at) in [start + 60_000, start - 60_000].into_iter().enumerate() {
            let cart = CART.replace("49900", &format!("{}", 100 + n));
            let (_, created) = call(&router, "POST", "/api/v1/payments", Some(&format!("tz-{n}")), &cart).await;
            let id = created["id"].as_str().unwrap().to_string();
            let moved = format!("UPDATE payments SET created_at = {at}, updated_at = {at} WHERE id = '{id}'");
            service.storage().execute_for_test(&moved).await.unwrap();
            ids.push(id);
        }
        let (_, today) = call(&router, "GET", "/api/v1/payments", None, "").await;
        let listed: Vec<&str> =
            today["payments"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
        assert_eq!(listed, [ids[0].as_str()], "00:01 local is today, 23:59 local yesterday is not");
        let local = today["payments"][0]["created_at_local"].as_str().unwrap();
        assert!(
            local[11..].starts_with("00:01:00.") && (local.ends_with("+01:00") || local.ends_with("+02:00")),
            "{local}"
        );
    }

    #[tokio::test]
    async fn unknown_api_paths_answer_in_json() {
        let (router, _klarna) = api().await;
        for (method, uri) in [("GET", "/api/v1/nothing"), ("POST", "/api/v1/payments/x/refunds"), ("GET", "/api/v1")] {
            let (status, error) = call(&router, method, uri, None, "").await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {uri}");
            assert_eq!(error["error"]["code"], "unknown_path", "{method} {uri}: {error}");
        }
        let request = Request::builder().method("PATCH").uri("/api/v1/payments").body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()["allow"], "GET,HEAD,POST");
        let body: Value = serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }

    #[tokio::test]
    async fn reads_the_payment_as_klarna_reports_it() {
        let (router, service, klarna) = api_and_service().await;
        let (_, created) = call(&router, "POST", "/api/v1/payments", Some("order-2"), CART).await;
        let id = created["id"].as_str().unwrap();
        let session_id = klarna.only_session_id();
        klarna.act(&session_id, "open").await;
        klarna.act(&session_id, "authorize").await;
        service.refresh(id, crate::payments::Source::Poll).await.unwrap();
        let (status, read) = call(&router, "GET", &format!("/api/v1/payments/{id}"), None, "").await;
        assert_eq!(status, StatusCode::OK, "{read}");
        assert_eq!(read["status"], "completed");
        assert_eq!(read["klarna_reference"].as_str().unwrap().len(), 8);
        assert!(read["order_id"].as_str().is_some());
        assert!(read.get("authorization_token").is_none());
        let (status, missing) = call(&router, "GET", "/api/v1/payments/nope", None, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(missing["error"]["code"], "not_found");
    }

    #[tokio::test]
    async fn bad_input_is_a_4xx_naming_the_field() {
        let (router, klarna) = api().await;
        let cases = [
            (r#"{"lines":[{"name":"A","quantity":"2","unit_price":1}]}"#, StatusCode::BAD_REQUEST, "lines[0].quantity"),
            (
                r#"{"lines":[{"name":"A","quantity":1,"unit_price":1,"colour":"red"}]}"#,
                StatusCode::BAD_REQUEST,
                "lines[0]",
            ),
            (
                r#"{"lines":[{"name":"A","quantity":0,"unit_price":-5}]}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
                "lines[0].quantity",
            ),
            (r#"{"lines":[]}"#, StatusCode::UNPROCESSABLE_ENTITY, "lines"),
            (r#"{"store":"elsewhere","lines":[]}"#, StatusCode::FORBIDDEN, "store"),
            ("not json", StatusCode::BAD_REQUEST, ""),
        ];
        for (body, status, field) in cases {
            let (got, error) = call(&router, "POST", "/api/v1/payments", Some("k-1"), body).await;
            assert_eq!(got, status, "{body}: {error}");
            let named = error["error"]["field"].as_str().unwrap_or("");
            assert!(named.starts_with(field), "{body}: field {named:?}, want {field:?}");
            assert!(!error["error"]["message"].as_str().unwrap().is_empty());
        }
        let (status, error) = call(&router, "POST", "/api/v1/payments", None, CART).await;
        assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("Idempotency-Key")));
        assert_eq!(klarna.hpp_sessions(), 0, "bad input never reaches Klarna");
    }

    #[tokio::test]
    async fn refuses_requests_without_the_stores_key() {
        let (router, _klarna) = api().await;
        let request = Request::builder()
            .method("POST")
            .uri("/api/v1/payments")
            .header("Authorization", "Bearer wrong-key-123")
            .header("Idempotency-Key", "k")
            .body(Body::from(CART))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let request = Request::builder().uri("/api/v1/payments/x").body(Body::empty()).unwrap();
        assert_eq!(router.oneshot(request).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn a_client_guessing_keys_waits_even_with_the_right_one_and_others_do_not() {
        let (service, _klarna) = service_on_simulator().await;
        let router = routes()
            .with_state(AppState::new(service))
            .layer(axum::middleware::from_fn(|request, next| super::super::client::remember(true, request, next)));
        let get = |key: &str, from: &str| {
            let request = Request::builder()
                .uri("/api/v1/payments")
                .header("Authorization", format!("Bearer {key}"))
                .header("X-Forwarded-For", from)
                .body(Body::empty())
                .unwrap();
            router.clone().oneshot(request)
        };
        for n in 0..11 {
            let answer = get(&format!("guess-{n:08}"), "203.0.113.9").await.unwrap();
            assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "guess {n}");
        }
        let without_key = Request::builder().uri("/api/v1/payments").header("X-Forwarded-For", "203.0.113.9");
        let without_key = router.clone().oneshot(without_key.body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(without_key.status(), StatusCode::UNAUTHORIZED, "no key guesses nothing: told at once");
        let waiting = get("kassa-dev-key", "203.0.113.9").await.unwrap();
        assert_eq!(waiting.status(), StatusCode::TOO_MANY_REQUESTS, "the right key is not even checked");
        let retry_after: u64 = waiting.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=6).contains(&retry_after), "{retry_after}");
        let body = waiting.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (body["error"]["code"].as_str(), body["error"]["field"].as_str()),
            (Some("too_many_failures"), Some("Authorization"))
        );
        assert_eq!(get("kassa-dev-key", "198.51.100.1").await.unwrap().status(), StatusCode::OK, "another client");
        // An Authorization header too long to be a key is bad input, named.
        let long = get(&"k".repeat(600), "198.51.100.1").await.unwrap();
        assert_eq!(long.status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn an_internal_error_answers_with_an_id_and_never_the_database_text() {
        let detail = "database: error returned from database: (code: 1) no such table: secret_table";
        let response = ApiError::internal(&detail).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("secret_table") && !text.contains("database"), "{text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"]["code"], "unavailable");
        assert_eq!(body["error"]["error_id"].as_str().map(str::len), Some(16), "{text}");
    }

    #[tokio::test]
    async fn a_database_failure_during_a_start_shows_no_database_text_anywhere() {
        let (router, service, _klarna) = api_and_service().await;
        let detail = "secret detail of the database";
        let trigger = format!(
            "CREATE TRIGGER fail_hpp BEFORE UPDATE ON payments WHEN NEW.hpp_session_id IS NOT NULL \
             BEGIN SELECT RAISE(ABORT, '{detail}'); END"
        );
        service.storage().execute_for_test(&trigger).await.unwrap();
        let (status, error) = call(&router, "POST", "/api/v1/payments", Some("db-fails-1"), CART).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
        assert_eq!(error["error"]["code"], "unavailable");
        assert!(error["error"]["error_id"].is_string(), "{error}");
        let (_, list) = call(&router, "GET", "/api/v1/payments", None, "").await;
        assert_eq!(list["payments"][0]["problem"]["code"], "storage_failed", "{list}");
        assert!(!format!("{error}{list}").contains(detail), "{error} {list}");
    }

    const WEB_CART: &str = r#"{"channel":"web","lines":[{"name":"Shoes","quantity":1,"unit_price":49900,"tax_rate":2500}],
        "return_urls":{"success":"https://shop.example/ok","failure":"https://shop.example/no","back":"https://shop.example/cart"}}"#;

    #[tokio::test]
    async fn a_web_payment_sends_klarna_kassas_wrapped_return_urls() {
        let (router, service, klarna) = api_and_service().await;
        let (status, created) = call(&router, "POST", "/api/v1/payments", Some("web-1"), WEB_CART).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert!(created["redirect_url"].as_str().unwrap().starts_with(&klarna.base));
        assert!(created["distribution_module_url"].is_null(), "a redirect needs no Distribution Module");
        let stored = service.storage().get(created["id"].as_str().unwrap()).await.unwrap().unwrap();
        assert_eq!(stored.door, domain::Door::Web);
        let urls = stored.return_urls.unwrap();
        let success = urls.success.unwrap();
        assert!(
            success.starts_with("http://127.0.0.1:9/checkout/success?store=stockholm&attempt=web-1&sid={{session_id}}")
        );
        assert!(success.ends_with("&to=https%3A%2F%2Fshop.example%2Fok"), "{success}");
        assert!(urls.back.is_some() && urls.cancel.is_none());
        let (status, again) = call(&router, "POST", "/api/v1/payments", Some("web-1"), WEB_CART).await;
        assert_eq!((status, &again["id"]), (StatusCode::OK, &created["id"]));
    }

    #[tokio::test]
    async fn bad_return_urls_are_a_422_naming_the_field() {
        let (router, klarna) = api().await;
        let both = WEB_CART.replace(r#""back":"#, r#""cancel":"https://shop.example/c","back":"#);
        let relative = WEB_CART.replace("https://shop.example/no", "/no");
        let store_with_urls = WEB_CART.replace(r#""channel":"web","#, "");
        let web_without_urls = r#"{"channel":"web","lines":[{"name":"A","quantity":1,"unit_price":100}]}"#;
        let cases = [
            (both.as_str(), "return_urls.cancel", "invalid_return_urls"),
            (relative.as_str(), "return_urls.failure", "invalid_return_urls"),
            (store_with_urls.as_str(), "return_urls", "invalid_return_urls"),
            (web_without_urls, "return_urls", "invalid_return_urls"),
        ];
        for (body, field, code) in cases {
            let (status, error) = call(&router, "POST", "/api/v1/payments", Some("web-bad"), body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
            assert_eq!(error["error"]["field"], field, "{body}: {error}");
            assert_eq!(error["error"]["code"], code, "{body}: {error}");
        }
        let (status, error) =
            call(&router, "POST", "/api/v1/payments", Some("web-bad"), &WEB_CART.replace("\"web\"", "\"phone\"")).await;
        assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("channel")));
        assert_eq!(klarna.hpp_sessions(), 0, "bad input never reaches Klarna");
    }

    #[tokio::test]
    async fn a_cart_ref_with_a_live_payment_for_another_cart_is_a_409_naming_it() {
        let (router, klarna) = api().await;
        let with_ref = CART.replace(r#"{"lines""#, r#"{"cart_ref":"till-3-cart-9","lines""#);
        let (status, first) = call(&router, "POST", "/api/v1/payments", Some("pos-1"), &with_ref).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let (status, again) = call(&router, "POST", "/api/v1/payments", Some("pos-2"), &with_ref).await;
        assert_eq!((status, &again["id"]), (StatusCode::OK, &first["id"]), "the same cart gets its live payment");
        let other = with_ref.replace("\"quantity\":2", "\"quantity\":3");
        let (status, error) = call(&router, "POST", "/api/v1/payments", Some("pos-3"), &other).await;
        assert_eq!(status, StatusCode::CONFLICT, "{error}");
        assert_eq!(
            (error["error"]["code"].as_str(), error["error"]["field"].as_str()),
            (Some("cart_ref_in_use"), Some("cart_ref"))
        );
        assert_eq!(klarna.hpp_sessions(), 1);
    }

    #[tokio::test]
    async fn klarna_outage_is_a_503_and_starts_nothing() {
        let (service, klarna) = service_on_simulator().await;
        klarna.stop();
        let router = routes().with_state(AppState::new(service));
        let (status, error) = call(&router, "POST", "/api/v1/payments", Some("k-outage"), CART).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
        assert_eq!(error["error"]["code"], "klarna_unavailable");
    }
}
