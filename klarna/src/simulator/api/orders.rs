//! Orders from authorizations: `/payments/v1/authorizations/{token}`.

use super::kp::check_cart;
use super::request::{check_auth, idempotency_key, parse_body};
use crate::simulator::envelope::{klarna_error, not_found, Refusal};
use crate::simulator::state::{AuthorizationState, IdempotentCall, PlacedOrder};
use crate::simulator::Simulator;
use crate::wire::{CreateOrderRequest, CreateOrderResponse, PaymentSessionRequest};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Whether an order body is the cart the shopper authorized.
fn order_matches(kp: &PaymentSessionRequest, order: &CreateOrderRequest) -> bool {
    kp.purchase_country.eq_ignore_ascii_case(&order.purchase_country)
        && kp.purchase_currency.eq_ignore_ascii_case(&order.purchase_currency)
        && kp.order_amount == order.order_amount
        && kp.order_tax_amount.unwrap_or(0) == order.order_tax_amount.unwrap_or(0)
        && kp.order_lines == order.order_lines
}

pub async fn place_order(
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
    check_cart(&as_session)?;
    let authorization =
        sessions.authorizations.get(&token).cloned().ok_or_else(|| not_found("The authorization does not exist."))?;
    if authorization.is_expired(now) {
        return Err(not_found("The authorization has expired (tokens are valid for 60 minutes)."));
    }
    match authorization.state {
        AuthorizationState::Open => {}
        AuthorizationState::Ordered(_) => {
            return Err(not_found("The authorization has already been used to place an order."))
        }
        AuthorizationState::Cancelled => return Err(not_found("The authorization has been cancelled.")),
    }
    let kp = sessions
        .kp
        .get_mut(&authorization.kp_session_id)
        .ok_or_else(|| not_found("The payment session no longer exists."))?;
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
        captures: Vec::new(),
        refunds: Vec::new(),
    }
    .captured_at_placement();
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

pub async fn cancel_authorization(
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
        .ok_or_else(|| not_found("The authorization does not exist."))?;
    authorization.state = AuthorizationState::Cancelled;
    Ok(StatusCode::NO_CONTENT)
}
