//! `/_sim`: the test control API. Not part of Klarna; no auth.

use super::faults::Faults;
use super::state::ConsumerAction;
use super::{ActionRefused, Simulator};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<Simulator> {
    Router::new()
        .route("/_sim/sessions/{id}/actions/{action}", post(act))
        .route("/_sim/clock", post(advance_clock))
        .route("/_sim/faults", get(read_faults).post(set_faults).delete(reset_faults))
        .route("/_sim/outbox", get(outbox))
        .route("/_sim/orders", get(orders))
        .route("/_sim/callbacks", get(callbacks))
}

async fn set_faults(State(sim): State<Simulator>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(e) => return problem(StatusCode::BAD_REQUEST, format!("bad fault config: {e}")),
    };
    match sim.set_faults(faults) {
        Ok(()) => read_faults(State(sim)).await,
        Err(why) => problem(StatusCode::BAD_REQUEST, why),
    }
}

async fn read_faults(State(sim): State<Simulator>) -> Response {
    let state = sim.fault_state();
    Json(json!({
        "faults": state.faults,
        "calls": state.calls,
        "injected": state.injected,
    }))
    .into_response()
}

async fn reset_faults(State(sim): State<Simulator>) -> StatusCode {
    sim.reset_faults();
    StatusCode::NO_CONTENT
}

async fn outbox(State(sim): State<Simulator>) -> Response {
    Json(sim.outbox()).into_response()
}

async fn orders(State(sim): State<Simulator>) -> Response {
    Json(sim.orders()).into_response()
}

async fn callbacks(State(sim): State<Simulator>) -> Response {
    Json(sim.callbacks()).into_response()
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

async fn act(State(sim): State<Simulator>, Path((id, action)): Path<(String, String)>) -> Response {
    let Some(action) = ConsumerAction::parse(&action) else {
        return problem(
            StatusCode::NOT_FOUND,
            format!("unknown action {action:?}; use open, authorize, decline, back, cancel or error"),
        );
    };
    match sim.act(&id, action) {
        Ok(outcome) => Json(json!({ "status": outcome.status, "redirect_url": outcome.redirect })).into_response(),
        Err(ActionRefused::NotFound) => problem(StatusCode::NOT_FOUND, "no such live HPP session"),
        Err(ActionRefused::NotAllowed(why)) => problem(StatusCode::CONFLICT, why),
    }
}

#[derive(Deserialize)]
struct AdvanceClock {
    advance_seconds: i64,
}

async fn advance_clock(State(sim): State<Simulator>, Json(body): Json<AdvanceClock>) -> Response {
    if body.advance_seconds < 0 {
        return problem(StatusCode::BAD_REQUEST, "advance_seconds must not be negative");
    }
    sim.clock().advance(time::Duration::seconds(body.advance_seconds));
    let now = sim.clock().now().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Json(json!({ "now": now })).into_response()
}
