//! The kiosks' HTTP doors: enrolment (`/kiosk/{id}?key=`), the gate that
//! keeps a kiosk's browser on its own page, the kiosk screen's live stream,
//! and the self-checkout system's JSON API (`/api/v1/kiosks/...`).

use super::auth::ApiStore;
use super::client::ClientAddress;
use super::cookies::kiosk_cookie;
use super::error::{ApiError, ErrorBody};
use super::json::parse_json;
use super::sse;
use crate::config::KioskConfig;
use crate::kiosks::{KioskError, Kiosks};
use crate::state::AppState;
use app::cookies::{request_cookie, KIOSK_COOKIE};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use domain::kiosk::KioskView;
use domain::{CartInput, CartLineInput, PaymentView};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kiosk/events", get(kiosk_events))
        .route("/kiosk/{id}", get(enrol))
        .route("/api/v1/kiosks/{id}", get(api_state))
        .route("/api/v1/kiosks/{id}/cart", axum::routing::put(api_put_cart).delete(api_clear))
        .route("/api/v1/kiosks/{id}/events", get(api_events))
}

fn device_cookie(headers: &HeaderMap) -> Option<&str> {
    request_cookie(headers, KIOSK_COOKIE)
}

fn forbidden(message: &str) -> Response {
    (StatusCode::FORBIDDEN, [(header::CACHE_CONTROL, "no-store")], message.to_string()).into_response()
}

/// Paths an enrolled kiosk's browser may reach: its own page and what the
/// page loads (the bundle; the simulator's Distribution Module in the
/// simulator). Nothing else: no seller view, no API, no other page.
fn kiosk_may_reach(path: &str) -> bool {
    path == "/kiosk"
        || path.starts_with("/kiosk/")
        || crate::ui::site::is_bundle_file(path)
        || path == "/favicon.svg"
        || path.starts_with(super::SIMULATOR_PREFIX)
}

/// Every request: kiosk paths need the kiosk cookie (enrolment excepted), and
/// a browser carrying a kiosk cookie stays on the kiosk's own paths.
pub async fn gate(State(kiosks): State<Arc<Kiosks>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let device = device_cookie(request.headers());
    let enrolled = kiosks.authenticate(device).is_ok();
    let kiosk_path = path == "/kiosk" || path == "/kiosk/events" || path.starts_with("/kiosk/fn/");
    if kiosk_path && !enrolled {
        return forbidden("This screen is not an enrolled kiosk. Open /kiosk/<kiosk id>?key=<device key> once.");
    }
    if device.is_some() && enrolled && !kiosk_may_reach(path) {
        return forbidden("A kiosk may only show its own self-checkout page.");
    }
    next.run(request).await
}

#[derive(Deserialize)]
struct EnrolQuery {
    key: Option<String>,
}

/// Longest device key worth checking (keys are far shorter).
const MAX_DEVICE_KEY_BYTES: usize = 256;

/// `GET /kiosk/{id}?key=...`: once per kiosk screen. Sets the HttpOnly
/// cookie and sends the screen to `/kiosk`, so the key leaves the URL bar.
/// A client with too many wrong keys waits before its next key is checked.
async fn enrol(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    Path(id): Path<String>,
    Query(query): Query<EnrolQuery>,
) -> Response {
    let kiosks = &state.kiosks;
    if let Some(wait) = state.failures.wait(client) {
        let seconds = wait.as_secs().max(1);
        let message = format!("Too many wrong kiosk keys from this address. Try again in {seconds} s.");
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, seconds.to_string())], message).into_response();
    }
    let key = query.key.unwrap_or_default();
    if id.len() > 64 || key.len() > MAX_DEVICE_KEY_BYTES {
        let message = format!("The kiosk id (64) or the key ({MAX_DEVICE_KEY_BYTES} bytes) is too long.");
        return (StatusCode::BAD_REQUEST, message).into_response();
    }
    // Cookie-safe keys only, so the cookie carries it as given.
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_graphic() && !matches!(c, ';' | ',' | '"' | '\\'));
    let device = format!("{id}.{key}");
    if !plain || kiosks.authenticate(Some(&device)).is_err() {
        state.failures.failed(client);
        tracing::warn!(kiosk = %id, %client, "kiosk enrolment refused: unknown kiosk or wrong key");
        return forbidden("Wrong kiosk id or device key.");
    }
    let cookie = kiosk_cookie(&device, kiosks.service().config().public_url.starts_with("https://"));
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, "/kiosk".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::REFERRER_POLICY, "no-referrer".to_string()),
        ],
    )
        .into_response()
}

/// `GET /kiosk/events`: the enrolled kiosk's own state, live.
async fn kiosk_events(State(kiosks): State<Arc<Kiosks>>, headers: HeaderMap) -> Response {
    let result = kiosks.authenticate(device_cookie(&headers)).map(|k| k.id.clone());
    match result.and_then(|id| sse::kiosk_stream(kiosks.clone(), &id, false)) {
        Ok(response) => response,
        Err(_) => forbidden("This screen is not an enrolled kiosk."),
    }
}

/// The kiosk for the self-checkout system, checked against its API key's store.
fn api_kiosk(kiosks: &Kiosks, store_id: &str, id: &str) -> Result<KioskConfig, ApiError> {
    let kiosk = kiosks.config(id)?;
    if kiosk.store != store_id {
        return Err(KioskError::WrongStore(kiosk.id.clone()).into());
    }
    Ok(kiosk)
}

/// A kiosk's screen as the self-checkout system sees it.
#[derive(Serialize, ToSchema)]
pub struct KioskState {
    #[serde(flatten)]
    view: KioskView,
    /// The last paid payment, kept after the screen resets.
    last_paid: Option<PaymentView>,
}

/// The basket, the payment on screen, and the last paid payment.
#[utoipa::path(
    get, path = "/api/v1/kiosks/{id}", tag = "kiosks",
    params(("id" = String, Path, description = "The kiosk's id")),
    responses(
        (status = 200, body = KioskState),
        (status = 401, body = ErrorBody), (status = 403, description = "Another store's kiosk", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn api_state(
    State(kiosks): State<Arc<Kiosks>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
) -> Result<Json<KioskState>, ApiError> {
    let kiosk = api_kiosk(&kiosks, &store_id, &id)?;
    let view = kiosks.state(&kiosk.id)?;
    Ok(Json(KioskState { view, last_paid: kiosks.last_paid(&kiosk.id) }))
}

/// A basket for a kiosk's screen: the same lines as a payment's.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartBody {
    /// 1 to 1,000 order lines; not all free.
    #[schema(min_items = 1, max_items = 1000)]
    lines: Vec<CartLineInput>,
}

/// Shows this basket on the kiosk's screen (the shopper then pays there).
#[utoipa::path(
    put, path = "/api/v1/kiosks/{id}/cart", tag = "kiosks",
    params(("id" = String, Path, description = "The kiosk's id")),
    request_body = CartBody,
    responses(
        (status = 200, body = KioskView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The shopper is paying for the basket on screen", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn api_put_cart(
    State(kiosks): State<Arc<Kiosks>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<KioskView>, ApiError> {
    let kiosk = api_kiosk(&kiosks, &store_id, &id)?;
    let body: CartBody = parse_json(&body)?;
    Ok(Json(kiosks.put_cart(&kiosk.store, &kiosk.id, CartInput { lines: body.lines }).await?))
}

/// Forgets the shopper (as Cancel on the screen does); an unpaid payment
/// is withdrawn.
#[utoipa::path(
    delete, path = "/api/v1/kiosks/{id}/cart", tag = "kiosks",
    params(("id" = String, Path, description = "The kiosk's id")),
    responses(
        (status = 200, body = KioskView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn api_clear(
    State(kiosks): State<Arc<Kiosks>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
) -> Result<Json<KioskView>, ApiError> {
    let kiosk = api_kiosk(&kiosks, &store_id, &id)?;
    Ok(Json(kiosks.reset(&kiosk.id, None, "self-checkout system").await?))
}

/// The kiosk's screen live.
#[utoipa::path(
    get, path = "/api/v1/kiosks/{id}/events", tag = "events",
    params(("id" = String, Path, description = "The kiosk's id")),
    responses(
        (status = 200, description = "Server-sent events: `kiosk` (data: a KioskView) now and at every change; `paid` (data: a PaymentView) once per paid payment", content_type = "text/event-stream", body = String),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn api_events(
    State(kiosks): State<Arc<Kiosks>>,
    ApiStore(store_id): ApiStore,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let kiosk = api_kiosk(&kiosks, &store_id, &id)?;
    Ok(sse::kiosk_stream(kiosks.clone(), &kiosk.id, true)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kiosks::tests::{state_with_second_store, LINES};
    use app::cookies::cookie_value;
    use axum::body::Body;
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    fn router(state: &AppState) -> Router {
        routes().with_state(state.clone()).layer(axum::middleware::from_fn_with_state(state.kiosks.clone(), gate))
    }

    async fn call(
        router: &Router,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        cookie: Option<&str>,
        body: &str,
    ) -> (StatusCode, Value) {
        let mut request =
            axum::http::Request::builder().method(method).uri(uri).header("Content-Type", "application/json");
        if let Some(key) = auth {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        let response = router.clone().oneshot(request.body(Body::from(body.to_string())).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn the_cart_api_validates_and_keeps_to_the_keys_store() {
        let (state, klarna) = state_with_second_store().await;
        let router = router(&state);
        let dev = Some("kassa-dev-key");
        let (status, view) = call(&router, "PUT", "/api/v1/kiosks/kiosk-1/cart", dev, None, LINES).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["cart"]["order_amount"], 4590);
        let cases = [
            (
                r#"{"lines":[{"name":"A","quantity":0,"unit_price":100}]}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
                "lines[0].quantity",
            ),
            (
                r#"{"lines":[{"name":"A","quantity":"1","unit_price":100}]}"#,
                StatusCode::BAD_REQUEST,
                "lines[0].quantity",
            ),
            (r#"{"lines":[],"till":3}"#, StatusCode::BAD_REQUEST, ""),
            (r#"{"lines":[]}"#, StatusCode::UNPROCESSABLE_ENTITY, "lines"),
        ];
        for (body, want, field) in cases {
            let (status, error) = call(&router, "PUT", "/api/v1/kiosks/kiosk-1/cart", dev, None, body).await;
            assert_eq!(status, want, "{body}: {error}");
            assert!(error["error"]["field"].as_str().unwrap_or("").starts_with(field), "{body}: {error}");
        }
        // Another store's key: not this kiosk's store.
        let malmo = Some("malmo-api-key-123");
        for (method, uri) in [
            ("GET", "/api/v1/kiosks/kiosk-1"),
            ("PUT", "/api/v1/kiosks/kiosk-1/cart"),
            ("GET", "/api/v1/kiosks/kiosk-1/events"),
        ] {
            let (status, error) = call(&router, method, uri, malmo, None, LINES).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}: {error}");
        }
        let (status, _) = call(&router, "GET", "/api/v1/kiosks/kiosk-1", Some("wrong-key-1234"), None, "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = call(&router, "GET", "/api/v1/kiosks/nowhere", dev, None, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(klarna.hpp_sessions(), 0, "handing over a basket starts no payment");
    }

    #[tokio::test]
    async fn a_client_guessing_kiosk_keys_waits_even_with_the_right_one() {
        let (state, _klarna) = state_with_second_store().await;
        let kiosk_router = router(&state);
        let enrol = |key: &str| {
            let uri = format!("/kiosk/kiosk-1?key={key}");
            kiosk_router.clone().oneshot(axum::http::Request::builder().uri(uri).body(Body::empty()).unwrap())
        };
        for n in 0..11 {
            assert_eq!(enrol(&format!("guess-{n}")).await.unwrap().status(), StatusCode::FORBIDDEN, "guess {n}");
        }
        let waiting = enrol("kiosk-dev-key-1").await.unwrap();
        assert_eq!(waiting.status(), StatusCode::TOO_MANY_REQUESTS, "the right key is not even checked");
        assert!(waiting.headers().contains_key(header::RETRY_AFTER));
        assert!(!waiting.headers().contains_key(header::SET_COOKIE));
        // A key too long to be one is refused as bad input, before any check.
        let (fresh, _klarna) = state_with_second_store().await;
        let uri = format!("/kiosk/kiosk-1?key={}", "k".repeat(300));
        let request = axum::http::Request::builder().uri(uri).body(Body::empty()).unwrap();
        assert_eq!(router(&fresh).oneshot(request).await.unwrap().status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn only_the_right_key_enrols_and_a_kiosk_stays_on_its_own_page() {
        let (state, _klarna) = state_with_second_store().await;
        let router = router(&state);
        let kiosks = state.kiosks.clone();
        let request = |uri: &str| axum::http::Request::builder().uri(uri).body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request("/kiosk/kiosk-1?key=kiosk-dev-key-1")).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/kiosk");
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http has no Secure cookie");
        for wrong in ["/kiosk/kiosk-1?key=kiosk-dev-key-2", "/kiosk/kiosk-1", "/kiosk/nowhere?key=kiosk-dev-key-1"] {
            assert_eq!(
                router.clone().oneshot(request(wrong)).await.unwrap().status(),
                StatusCode::FORBIDDEN,
                "{wrong}"
            );
        }
        let device = cookie.split(';').next().unwrap();
        assert_eq!(kiosks.authenticate(cookie_value(device, KIOSK_COOKIE)).unwrap().id, "kiosk-1");
        assert!(kiosks.authenticate(Some("kiosk-2.kiosk-dev-key-1")).is_err(), "a key works for its own kiosk only");
        assert!(kiosks.authenticate(Some("kiosk-1")).is_err());
        // With the kiosk's cookie: its own stream, and nothing else.
        let (status, _) = call(&router, "GET", "/api/v1/kiosks/kiosk-1", Some("kassa-dev-key"), Some(device), "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a kiosk's browser never reaches the API");
        let (status, _) = call(&router, "GET", "/kiosk/events", None, None, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "the stream needs the cookie");
    }
}
