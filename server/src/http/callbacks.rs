//! Klarna's status callbacks (`merchant_urls.status_update`). The body is
//! only read for its `event_id`; the payment service does the rest.

use crate::payments::{PaymentError, PaymentService};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new().route("/klarna/status/{id}/{secret}", post(status_update))
}

#[derive(Deserialize)]
struct Callback {
    event_id: String,
}

async fn status_update(
    State(service): State<Arc<PaymentService>>,
    Path((id, secret)): Path<(String, String)>,
    body: Bytes,
) -> StatusCode {
    let callback = serde_json::from_slice::<Callback>(&body).ok();
    let Some(callback) = callback.filter(|c| !c.event_id.is_empty() && c.event_id.len() <= 200) else {
        crate::telemetry::callback("refused");
        return StatusCode::BAD_REQUEST;
    };
    match service.callback(&id, &secret, &callback.event_id).await {
        Ok(()) => StatusCode::OK,
        // Wrong secret or unknown payment look the same from outside.
        Err(PaymentError::NotFound) => {
            crate::telemetry::callback("refused");
            StatusCode::NOT_FOUND
        }
        Err(error) => {
            crate::telemetry::callback("failed");
            // A 5xx makes Klarna retry, which is what we want here.
            tracing::error!(payment = %id, %error, "could not record a status callback");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}
