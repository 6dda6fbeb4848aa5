//! Klarna's merchant API paths, with Basic auth and Klarna's error envelope.

use super::distribution::DistributionInput;
use super::state::{
    AuthorizationState, HppSession, IdempotentCall, KpSession, PlacedOrder, StoredAnswer, HPP_LIFETIME,
};
use super::{faults, Simulator};
use crate::wire::{
    CreateOrderRequest, CreateOrderResponse, CreateSessionRequest, CreateSessionResponse, DistributionModule,
    DistributionModuleToken, ErrorEnvelope, OrderLine, PaymentMethodCategory, PaymentSessionRequest,
    PaymentSessionResponse, SessionStatus,
};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

pub fn routes(sim: &Simulator) -> Router<Simulator> {
    Router::new()
        .route("/payments/v1/sessions", post(create_payment_session))
        .route("/payments/v1/sessions/{id}", get(read_payment_session).post(update_payment_session))
        .route("/payments/v1/authorizations/{token}/order", post(place_order))
        .route("/payments/v1/authorizations/{token}", delete(cancel_authorization))
        .route("/hpp/v1/sessions", post(create_hpp_session))
        .route("/hpp/v1/sessions/{id}", get(read_hpp_session).delete(disable_hpp_session))
        // A real POS integration reads with a trailing slash.
        .route("/hpp/v1/sessions/{id}/", get(read_hpp_session))
        .route("/hpp/v1/sessions/{id}/distribution", post(distribute))
        .route("/hpp/v1/sessions/{id}/distribution-module/token", post(distribution_module_token))
        .route_layer(axum::middleware::from_fn_with_state(sim.clone(), faults::inject))
}

const IDEMPOTENCY_HEADER: &str = "Klarna-Idempotency-Key";

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl IntoResponse for StoredAnswer {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        (status, Json(self.body)).into_response()
    }
}

/// An error answer in Klarna's envelope, with the correlation header.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let correlation_id = uuid::Uuid::new_v4().to_string();
        let body = ErrorEnvelope::new(self.code, self.message, correlation_id.clone());
        (self.status, [("Klarna-Correlation-Id", correlation_id)], Json(body)).into_response()
    }
}

pub fn klarna_error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal { status, code, message: message.into() }
}

fn bad_value(field: &str) -> Refusal {
    klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", format!("Bad value: {field}"))
}

fn check_auth(sim: &Simulator, headers: &HeaderMap) -> Result<(), Refusal> {
    let expected = format!("{}:{}", sim.config().username, sim.config().password);
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v.trim()).ok())
        .unwrap_or_default();
    if bool::from(given.ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(klarna_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Missing or invalid credentials (HTTP Basic: API username and password)",
        ))
    }
}

fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, Refusal> {
    serde_json::from_slice(body)
        .map_err(|e| klarna_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", format!("Invalid request body: {e}")))
}

async fn create_payment_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PaymentSessionResponse>, Refusal> {
    check_auth(&sim, &headers)?;
    let request: PaymentSessionRequest = parse_body(&body)?;
    validate_payment_session(&request).map_err(|field| bad_value(&field))?;
    let id = uuid::Uuid::new_v4().to_string();
    let session = KpSession { id: id.clone(), request, created_at: sim.clock().now(), complete: false };
    sim.sessions().kp.insert(id.clone(), session);
    Ok(Json(PaymentSessionResponse {
        session_id: id.clone(),
        client_token: Some(format!("simulated-client-token-{id}")),
        payment_method_categories: ["pay_now", "pay_later", "pay_over_time"]
            .into_iter()
            .map(|identifier| PaymentMethodCategory { identifier: identifier.into(), name: None })
            .collect(),
    }))
}

async fn read_payment_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, Refusal> {
    check_auth(&sim, &headers)?;
    let now = sim.clock().now();
    let sessions = sim.sessions();
    let kp = sessions.kp.get(&id).filter(|kp| now < kp.expires_at()).ok_or_else(not_found)?;
    let mut body = serde_json::to_value(&kp.request).unwrap_or_default();
    body["status"] = if kp.complete { "complete" } else { "incomplete" }.into();
    // The default channel is reported, as Klarna remembers it.
    body["acquiring_channel"] = serde_json::to_value(kp.channel()).unwrap_or_default();
    body["expires_at"] =
        kp.expires_at().format(&time::format_description::well_known::Rfc3339).unwrap_or_default().into();
    Ok(Json(body))
}

async fn update_payment_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, Refusal> {
    check_auth(&sim, &headers)?;
    let mut request: PaymentSessionRequest = parse_body(&body)?;
    validate_payment_session(&request).map_err(|field| bad_value(&field))?;
    let now = sim.clock().now();
    let mut sessions = sim.sessions();
    let kp = sessions
        .kp
        .get_mut(&id)
        .filter(|kp| now < kp.expires_at())
        .ok_or_else(|| klarna_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Payment session not found or expired."))?;
    if kp.complete {
        return Err(klarna_error(
            StatusCode::NOT_FOUND,
            "SESSION_COMPLETED",
            "The payment session is complete and can no longer be updated.",
        ));
    }
    // The channel is fixed at creation unless the update names one.
    request.acquiring_channel = request.acquiring_channel.or(kp.request.acquiring_channel);
    kp.request = request;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether an order body is the cart the shopper authorized.
fn order_matches(kp: &PaymentSessionRequest, order: &CreateOrderRequest) -> bool {
    kp.purchase_country.eq_ignore_ascii_case(&order.purchase_country)
        && kp.purchase_currency.eq_ignore_ascii_case(&order.purchase_currency)
        && kp.order_amount == order.order_amount
        && kp.order_tax_amount.unwrap_or(0) == order.order_tax_amount.unwrap_or(0)
        && kp.order_lines == order.order_lines
}

fn authorization_gone(message: &str) -> Refusal {
    klarna_error(StatusCode::NOT_FOUND, "NOT_FOUND", message)
}

async fn place_order(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, Refusal> {
    check_auth(&sim, &headers)?;
    let key = idempotency_key(&headers);
    let now = sim.clock().now();
    let mut sessions = sim.sessions();
    if let Some(answer) = sessions.replay(IdempotentCall::PlaceOrder, key.as_deref(), now) {
        return Ok(answer.into_response());
    }
    let request: CreateOrderRequest = parse_body(&body)?;
    let as_session = PaymentSessionRequest {
        purchase_country: request.purchase_country.clone(),
        purchase_currency: request.purchase_currency.clone(),
        locale: request.locale.clone(),
        order_amount: request.order_amount,
        order_tax_amount: request.order_tax_amount,
        order_lines: request.order_lines.clone(),
        ..Default::default()
    };
    validate_payment_session(&as_session).map_err(|field| bad_value(&field))?;
    let authorization = sessions
        .authorizations
        .get(&token)
        .cloned()
        .ok_or_else(|| authorization_gone("The authorization does not exist."))?;
    if authorization.is_expired(now) {
        return Err(authorization_gone("The authorization has expired (tokens are valid for 60 minutes)."));
    }
    match authorization.state {
        AuthorizationState::Open => {}
        AuthorizationState::Ordered(_) => {
            return Err(authorization_gone("The authorization has already been used to place an order."))
        }
        AuthorizationState::Cancelled => return Err(authorization_gone("The authorization has been cancelled.")),
    }
    let kp = sessions
        .kp
        .get_mut(&authorization.kp_session_id)
        .ok_or_else(|| authorization_gone("The payment session no longer exists."))?;
    if !order_matches(&kp.request, &request) {
        return Err(klarna_error(
            StatusCode::CONFLICT,
            "BAD_VALUE",
            "The data in the request does not match the session for the authorization.",
        ));
    }
    kp.complete = true;
    let order = PlacedOrder {
        order_id: uuid::Uuid::new_v4().to_string(),
        authorization_token: Some(token.clone()),
        idempotency_key: key.clone(),
        kp_session_id: kp.id.clone(),
        hpp_session_id: Some(authorization.hpp_session_id.clone()),
        order_amount: request.order_amount,
        purchase_currency: request.purchase_currency.clone(),
        auto_capture: request.auto_capture.unwrap_or(false),
        placed_at: now,
    };
    let response = CreateOrderResponse {
        order_id: order.order_id.clone(),
        redirect_url: None,
        fraud_status: Some("ACCEPTED".into()),
    };
    if let Some(auth) = sessions.authorizations.get_mut(&token) {
        auth.state = AuthorizationState::Ordered(order.order_id.clone());
    }
    sessions.orders.push(order);
    let body = serde_json::to_value(&response).unwrap_or_default();
    sessions.remember(IdempotentCall::PlaceOrder, key.as_deref(), 200, body, now);
    Ok(Json(response).into_response())
}

async fn cancel_authorization(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<StatusCode, Refusal> {
    check_auth(&sim, &headers)?;
    let now = sim.clock().now();
    let mut sessions = sim.sessions();
    let authorization = sessions
        .authorizations
        .get_mut(&token)
        .filter(|a| !a.is_expired(now) && a.state == AuthorizationState::Open)
        .ok_or_else(|| authorization_gone("The authorization does not exist."))?;
    authorization.state = AuthorizationState::Cancelled;
    Ok(StatusCode::NO_CONTENT)
}

async fn distribute(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, Refusal> {
    check_auth(&sim, &headers)?;
    let input: DistributionInput = parse_body(&body)?;
    sim.distribute_link(&id, &input).map_err(|r| klarna_error(r.status, r.code, r.message))?;
    Ok(StatusCode::CREATED)
}

async fn distribution_module_token(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<DistributionModuleToken>, Refusal> {
    check_auth(&sim, &headers)?;
    let session = live_session(&sim, &id)?;
    let standalone_url = standalone_url(&sim, &session);
    Ok(Json(DistributionModuleToken {
        token: Some(distribution_token(&sim, &session.distribution_id, &standalone_url)),
    }))
}

fn not_found() -> Refusal {
    klarna_error(StatusCode::NOT_FOUND, "NOT_FOUND", "HPP session has expired or could not be found by provided id.")
}

/// Klarna's checks on a payment session: patterns, caps, and totals that add up.
/// Returns the path of the first bad field.
pub fn validate_payment_session(request: &PaymentSessionRequest) -> Result<(), String> {
    let letters = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_alphabetic());
    if !letters(&request.purchase_country, 2) {
        return Err("purchase_country".into());
    }
    if !letters(&request.purchase_currency, 3) {
        return Err("purchase_currency".into());
    }
    if let Some(locale) = &request.locale {
        if !locale.split('-').all(|part| letters(part, 2)) {
            return Err("locale".into());
        }
    }
    if request.order_lines.is_empty() || request.order_lines.len() > 1000 {
        return Err("order_lines".into());
    }
    for (index, line) in request.order_lines.iter().enumerate() {
        validate_order_line(line).map_err(|field| format!("order_lines[{index}].{field}"))?;
    }
    let amount: i64 = request.order_lines.iter().map(|l| l.total_amount).sum();
    let tax: i64 = request.order_lines.iter().map(|l| l.total_tax_amount).sum();
    if request.order_amount < 0 || request.order_amount != amount {
        return Err("order_amount".into());
    }
    if request.order_tax_amount.unwrap_or(0) != tax {
        return Err("order_tax_amount".into());
    }
    Ok(())
}

fn validate_order_line(line: &OrderLine) -> Result<(), &'static str> {
    const MAX: i64 = 200_000_000;
    let name_len = line.name.chars().count();
    if name_len == 0 || name_len > 255 {
        return Err("name");
    }
    if line.quantity < 0 {
        return Err("quantity");
    }
    if line.unit_price.abs() > MAX {
        return Err("unit_price");
    }
    if !(0..=10_000).contains(&line.tax_rate) {
        return Err("tax_rate");
    }
    if line.total_discount_amount < 0 {
        return Err("total_discount_amount");
    }
    let expected = line.quantity.checked_mul(line.unit_price).map(|gross| gross - line.total_discount_amount);
    if line.total_amount.abs() > MAX || expected != Some(line.total_amount) {
        return Err("total_amount");
    }
    let total = line.total_amount as f64;
    let exact_tax = total - total * 10_000.0 / (10_000.0 + line.tax_rate as f64);
    if (line.total_tax_amount as f64 - exact_tax).abs() > 1.0 {
        return Err("total_tax_amount");
    }
    Ok(())
}

async fn create_hpp_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    check_auth(&sim, &headers)?;
    let key = idempotency_key(&headers);
    let replayed = sim.sessions().replay(IdempotentCall::CreateHppSession, key.as_deref(), sim.clock().now());
    if let Some(answer) = replayed {
        return Ok(answer.into_response());
    }
    let request: CreateSessionRequest = parse_body(&body)?;
    let options = request.options.clone().unwrap_or_default();
    if options.payment_method_category.is_some() && options.payment_method_categories.is_some() {
        return Err(klarna_error(
            StatusCode::BAD_REQUEST,
            "BAD_VALUE",
            "Only one of options.payment_method_category and options.payment_method_categories may be set",
        ));
    }
    if let Some(profile) = &request.profile_id {
        if sim.profile(profile).is_none() {
            return Err(bad_value("profile_id"));
        }
    }
    let kp_id = kp_session_id(&request.payment_session_url).ok_or_else(|| bad_value("payment_session_url"))?;
    let now = sim.clock().now();
    let mut sessions = sim.sessions();
    let kp = sessions
        .kp
        .get(&kp_id)
        .filter(|kp| now < kp.expires_at() && !kp.complete)
        .ok_or_else(|| klarna_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Payment session has expired."))?;
    let session = HppSession {
        id: uuid::Uuid::new_v4().to_string(),
        kp_session_id: kp_id,
        distribution_id: uuid::Uuid::new_v4().to_string(),
        profile_id: request.profile_id.clone(),
        merchant_urls: request.merchant_urls.clone().unwrap_or_default(),
        place_order_mode: options.place_order_mode.unwrap_or_default(),
        channel: kp.channel(),
        status: SessionStatus::Waiting,
        updated_at: now,
        expires_at: kp.created_at + HPP_LIFETIME,
        authorization_token: None,
        order_id: None,
        klarna_reference: None,
    };
    let response = creation_response(&sim, &session);
    sessions.by_distribution.insert(session.distribution_id.clone(), session.id.clone());
    sessions.hpp.insert(session.id.clone(), session);
    let body = serde_json::to_value(&response).unwrap_or_default();
    sessions.remember(IdempotentCall::CreateHppSession, key.as_deref(), 201, body, now);
    Ok((StatusCode::CREATED, Json(response)).into_response())
}

/// The KP session id in `https://<host>/payments/v1/sessions/<id>`. Any host
/// is accepted: Kassa may reach the simulator on loopback while it tells
/// phones another address.
fn kp_session_id(url: &str) -> Option<String> {
    let (prefix, id) = url.rsplit_once("/payments/v1/sessions/")?;
    let scheme_ok = prefix.starts_with("http://") || prefix.starts_with("https://");
    (scheme_ok && !id.is_empty() && !id.contains(['/', '?', '#'])).then(|| id.to_string())
}

fn standalone_url(sim: &Simulator, session: &HppSession) -> String {
    sim.url(&format!(
        "/distributions/{}?profile_id={{{{profile_id}}}}&view_id={{{{view_id}}}}",
        session.distribution_id
    ))
}

fn creation_response(sim: &Simulator, session: &HppSession) -> CreateSessionResponse {
    let id = &session.id;
    let standalone_url = standalone_url(sim, session);
    CreateSessionResponse {
        session_id: id.clone(),
        session_url: Some(sim.url(&format!("/hpp/v1/sessions/{id}"))),
        redirect_url: Some(sim.url(&format!("/pay/{id}"))),
        qr_code_url: Some(sim.url(&format!("/pay/{id}/qr"))),
        distribution_url: Some(sim.url(&format!("/hpp/v1/sessions/{id}/distribution"))),
        expires_at: Some(session.expires_at),
        manual_identification_check_url: Some(sim.url(&format!("/hpp/v1/sessions/{id}/manual-id-check"))),
        distribution_module: Some(DistributionModule {
            token: Some(distribution_token(sim, &session.distribution_id, &standalone_url)),
            standalone_url: Some(standalone_url),
            generation_url: Some(sim.url(&format!("/hpp/v1/sessions/{id}/distribution-module/token"))),
        }),
    }
}

/// An unsigned JWT with the four claims of Klarna's real token.
fn distribution_token(sim: &Simulator, distribution_id: &str, iframe_url: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(br#"{"alg":"none"}"#);
    let origin = {
        let base = &sim.config().public_base;
        let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
        base[..base[after_scheme..].find('/').map(|i| i + after_scheme).unwrap_or(base.len())].to_string()
    };
    let claims = serde_json::json!({
        "session_id": distribution_id,
        "iframe_url": iframe_url,
        "iframe_origin": origin,
        "event_url": sim.url("/_sim/events"),
    });
    format!("{header}.{}.", engine.encode(claims.to_string()))
}

fn live_session(sim: &Simulator, id: &str) -> Result<HppSession, Refusal> {
    let now = sim.clock().now();
    sim.sessions().hpp.get(id).filter(|s| !s.is_expired(now)).cloned().ok_or_else(not_found)
}

async fn read_hpp_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<crate::wire::SessionResponse>, Refusal> {
    check_auth(&sim, &headers)?;
    Ok(Json(live_session(&sim, &id)?.to_response()))
}

async fn disable_hpp_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, Refusal> {
    check_auth(&sim, &headers)?;
    live_session(&sim, &id)?;
    let now = sim.clock().now();
    let mut sessions = sim.sessions();
    let session = sessions.hpp.get_mut(&id).ok_or_else(not_found)?;
    session.disable(now).map_err(|message| klarna_error(StatusCode::BAD_REQUEST, "INVALID_OPERATION", message))?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(quantity: i64, unit_price: i64, tax_rate: i64, tax: i64) -> OrderLine {
        OrderLine {
            name: "Bike".into(),
            quantity,
            unit_price,
            tax_rate,
            total_amount: quantity * unit_price,
            total_tax_amount: tax,
            ..Default::default()
        }
    }

    fn request(lines: Vec<OrderLine>) -> PaymentSessionRequest {
        PaymentSessionRequest {
            purchase_country: "SE".into(),
            purchase_currency: "SEK".into(),
            locale: Some("sv-SE".into()),
            order_amount: lines.iter().map(|l| l.total_amount).sum(),
            order_tax_amount: Some(lines.iter().map(|l| l.total_tax_amount).sum()),
            order_lines: lines,
            ..Default::default()
        }
    }

    #[test]
    fn payment_session_urls_name_a_kp_session() {
        assert_eq!(kp_session_id("https://api.playground.klarna.com/payments/v1/sessions/abc").as_deref(), Some("abc"));
        assert_eq!(kp_session_id("http://127.0.0.1:3000/klarna-sim/payments/v1/sessions/abc").as_deref(), Some("abc"));
        for bad in [
            "abc",
            "ftp://x/payments/v1/sessions/abc",
            "https://x/payments/v1/sessions/",
            "https://x/checkout/v3/orders/abc",
        ] {
            assert_eq!(kp_session_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn accepts_consistent_sessions() {
        assert_eq!(validate_payment_session(&request(vec![line(2, 10_000, 2500, 4_000)])), Ok(()));
    }

    #[test]
    fn names_the_first_bad_field() {
        let mut bad_tax = request(vec![line(1, 10_000, 2500, 2_500)]);
        assert_eq!(validate_payment_session(&bad_tax).unwrap_err(), "order_lines[0].total_tax_amount");
        bad_tax.order_lines[0].total_tax_amount = 2_000;
        bad_tax.order_amount += 1;
        assert_eq!(validate_payment_session(&bad_tax).unwrap_err(), "order_amount");
        let mut bad_currency = request(vec![line(1, 100, 0, 0)]);
        bad_currency.purchase_currency = "SE1".into();
        assert_eq!(validate_payment_session(&bad_currency).unwrap_err(), "purchase_currency");
        assert_eq!(validate_payment_session(&request(vec![])).unwrap_err(), "order_lines");
        let mut bad_total = request(vec![line(1, 100, 0, 0)]);
        bad_total.order_lines[0].total_amount = 99;
        bad_total.order_amount = 99;
        assert_eq!(validate_payment_session(&bad_total).unwrap_err(), "order_lines[0].total_amount");
    }
}
