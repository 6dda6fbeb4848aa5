//! Klarna's merchant API paths, with Basic auth and Klarna's error envelope:
//! one module per API group, all behind fault injection.

mod distribution;
mod hpp;
mod kp;
mod order_management;
mod orders;
mod request;

use super::envelope::klarna_error;
use super::faults::{CallFault, Endpoint};
use super::Simulator;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use std::time::Duration;

pub fn routes(sim: &Simulator) -> Router<Simulator> {
    Router::new()
        .route("/payments/v1/sessions", post(kp::create_payment_session))
        .route("/payments/v1/sessions/{id}", get(kp::read_payment_session).post(kp::update_payment_session))
        .route("/payments/v1/authorizations/{token}/order", post(orders::place_order))
        .route("/payments/v1/authorizations/{token}", delete(orders::cancel_authorization))
        .route("/ordermanagement/v1/orders/{id}", get(order_management::read_order))
        .route("/ordermanagement/v1/orders/{id}/captures", post(order_management::capture))
        .route("/ordermanagement/v1/orders/{id}/refunds", post(order_management::refund))
        .route("/hpp/v1/sessions", post(hpp::create_hpp_session))
        .route("/hpp/v1/sessions/{id}", get(hpp::read_hpp_session).delete(hpp::disable_hpp_session))
        // A real POS integration reads with a trailing slash.
        .route("/hpp/v1/sessions/{id}/", get(hpp::read_hpp_session))
        .route("/hpp/v1/sessions/{id}/distribution", post(distribution::distribute))
        .route("/hpp/v1/sessions/{id}/distribution-module/token", post(hpp::distribution_module_token))
        .route_layer(axum::middleware::from_fn_with_state(sim.clone(), inject))
}

/// Middleware on Klarna's API routes: latency, then the call's fault.
async fn inject(State(sim): State<Simulator>, request: Request, next: Next) -> Response {
    let Some(endpoint) = Endpoint::classify(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let (latency, fault) = {
        let mut state = sim.fault_state();
        let latency = Duration::from_millis(state.faults.latency_ms);
        (latency, state.decide(endpoint))
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        CallFault::None => next.run(request).await,
        CallFault::Error(status, retry_after) => {
            let (code, message) = CallFault::refusal(status);
            let mut response = klarna_error(status, code, message).into_response();
            if let Some(seconds) = retry_after.filter(|_| status == StatusCode::TOO_MANY_REQUESTS) {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        CallFault::Timeout(hold) => {
            // The work is done, but the answer arrives too late.
            let response = next.run(request).await;
            tokio::time::sleep(hold).await;
            response
        }
    }
}
