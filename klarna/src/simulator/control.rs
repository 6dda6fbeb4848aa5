//! `/_sim`: the test control API. Not part of Klarna; no auth.

use super::state::ConsumerAction;
use super::{ActionRefused, Simulator};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<Simulator> {
    Router::new()
        .route("/_sim/sessions/{id}/actions/{action}", post(act))
        .route("/_sim/clock", post(advance_clock))
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

async fn act(State(sim): State<Simulator>, Path((id, action)): Path<(String, String)>) -> Response {
    let Some(action) = ConsumerAction::parse(&action) else {
        return problem(
            StatusCode::NOT_FOUND,
            format!(
                "unknown action {action:?}; use open, authorize, decline, back, cancel or error"
            ),
        );
    };
    match sim.act(&id, action) {
        Ok(outcome) => Json(json!({ "status": outcome.status, "redirect_url": outcome.redirect }))
            .into_response(),
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
        return problem(
            StatusCode::BAD_REQUEST,
            "advance_seconds must not be negative",
        );
    }
    sim.clock()
        .advance(time::Duration::seconds(body.advance_seconds));
    let now = sim
        .clock()
        .now()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    Json(json!({ "now": now })).into_response()
}
