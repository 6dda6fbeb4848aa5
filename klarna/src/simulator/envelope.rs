//! Klarna's error answer: a status, an error code and a message, sent in
//! Klarna's envelope with a fresh correlation id. Shared by the API
//! handlers, fault injection and distribution's checks.

use crate::wire::ErrorEnvelope;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An error answer in Klarna's envelope, with the correlation header.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
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

/// Klarna's 404 for anything it does not know (or no longer knows).
pub fn not_found(message: impl Into<String>) -> Refusal {
    klarna_error(StatusCode::NOT_FOUND, "NOT_FOUND", message)
}
