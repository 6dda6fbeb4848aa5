//! The JSON API for POS systems: `/api/v1/payments` and `/api/v1/events`.

use super::auth::ApiStore;
use super::error::ApiError;
use super::json::parse_json;
use super::sse;
use crate::payments::web::ShopReturnUrls;
use crate::payments::{PaymentService, StartRequest};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use domain::PaymentView;
use domain::{AttemptKey, CartInput, CartLineInput};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/payments", get(list_payments).post(create_payment))
        .route("/api/v1/payments/{id}", get(read_payment).delete(cancel_payment))
        .route("/api/v1/payments/{id}/events", get(payment_events))
        .route("/api/v1/events", get(store_events))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreatePaymentBody {
    #[serde(default)]
    store: Option<String>,
    /// The POS's own id for the cart: while a payment for it is live,
    /// starting again returns that payment.
    #[serde(default)]
    cart_ref: Option<String>,
    lines: Vec<CartLineInput>,
    /// `store` (default: a till, Klarna's IN_STORE) or `web` (a website that
    /// redirects the shopper to `redirect_url`, Klarna's ECOMMERCE).
    #[serde(default)]
    channel: Channel,
    /// Channel web: the shop's result pages.
    #[serde(default)]
    return_urls: Option<ShopReturnUrls>,
}

#[derive(Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Channel {
    #[default]
    Store,
    Web,
}

async fn create_payment(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = headers
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| AttemptKey::parse(v).ok())
        .ok_or(ApiError::MissingIdempotencyKey)?;
    let body: CreatePaymentBody = parse_json(&body)?;
    if let Some(store) = body.store.filter(|s| *s != store_id) {
        return Err(ApiError::WrongStore(store));
    }
    let config = service.config();
    let store = config.store(&store_id).ok_or(ApiError::WrongStore(store_id.clone()))?;
    let cart = CartInput { lines: body.lines };
    let (key, cart_ref) = (key.as_str(), body.cart_ref.as_deref());
    let request = match (body.channel, &body.return_urls) {
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
    let status = if started.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(started.view)).into_response())
}

async fn read_payment(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    Ok(Json(service.get(&store_id, &id).await?))
}

async fn cancel_payment(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    Ok(Json(service.cancel(&store_id, &id).await?))
}

#[derive(Deserialize)]
struct ListQuery {
    store: Option<String>,
    since: Option<String>,
}

/// `GET /api/v1/payments?store=..&since=..`: newest first; `since` is an
/// RFC 3339 time and defaults to the start of today (UTC).
async fn list_payments(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<PaymentView>>, ApiError> {
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
        None => crate::clock::start_of_today_millis(),
    };
    Ok(Json(service.list(&store_id, since).await?))
}

/// `GET /api/v1/payments/{id}/events`: the payment now, then every change,
/// as server-sent events; the stream ends after a final state.
async fn payment_events(
    State(service): State<Arc<PaymentService>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(sse::payment_stream(service, store_id, id).await?)
}

/// `GET /api/v1/events`: every change to the store's payments (`resync`
/// first when a client reconnects with `Last-Event-ID`: list again).
async fn store_events(
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
        assert_eq!(list[0]["problem"]["code"], "storage_failed", "{list}");
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
