//! The JSON API's one error type: every error is
//! `{"error": {"code", "message", "field"?, "fields"?}}`, and bad input is
//! always a 4xx that names the field.

use crate::kiosks::KioskError;
use crate::payments::{klarna_advice, PaymentError};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{FieldErrors, Problem};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// Every error answer of the API.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// For programs: `invalid_cart`, `idempotency_key_reused`, `not_found`, ...
    pub code: String,
    /// For people, in English.
    pub message: String,
    /// The request field, header or query value at fault (`lines[0].quantity`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With a 503 of Kassa's own: quote it to the operator, whose log has the detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    /// Every field problem found, in field order.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldErrorEntry>>)]
    pub fields: Option<Vec<serde_json::Value>>,
}

/// One entry of `fields`: the field, the rule's code, an English message,
/// and the rule's parameters (`max`) beside them.
#[derive(ToSchema)]
#[allow(dead_code)] // Describes the entries built from domain::FieldError.
pub struct FieldErrorEntry {
    field: String,
    code: String,
    message: String,
}

/// The API boundary's one error type.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    /// Too many wrong keys from this client: nothing is checked until then.
    TooManyFailures {
        retry_after: std::time::Duration,
    },
    /// A header or value too long to be worth reading.
    TooLong {
        field: &'static str,
        max: usize,
    },
    WrongStore(String),
    /// No such path in the API.
    UnknownPath,
    /// The path is the API's, the method is not (axum adds `Allow`).
    MethodNotAllowed,
    MissingIdempotencyKey,
    BadJson {
        field: Option<String>,
        message: String,
    },
    Invalid(FieldErrors),
    /// A refund that cannot be made as asked (`invalid_refund`).
    InvalidRefund(FieldErrors),
    KeyReused,
    /// A refund's key already made another refund.
    RefundKeyReused,
    CartRefInUse,
    NotFound,
    /// What a request field names does not exist (`starting_after`).
    NotFoundField {
        field: &'static str,
    },
    Conflict(String),
    BadQuery {
        field: &'static str,
        message: String,
    },
    Klarna(klarna::KlarnaError),
    /// A cancel Klarna did not confirm: the link may still be paid.
    NotWithdrawn(klarna::KlarnaError),
    /// Kassa's own failure; the detail is in the log under `error_id`.
    Internal {
        error_id: String,
    },
}

/// An error answer's parts: status, code, message, the field it names,
/// and every field's problem.
type ErrorParts = (StatusCode, &'static str, String, Option<String>, Option<Vec<domain::FieldError>>);

/// A 422 listing every field's problem, the first one named.
fn invalid(code: &'static str, errors: FieldErrors) -> ErrorParts {
    let field = errors.0.first().map(|e| e.field.clone());
    (StatusCode::UNPROCESSABLE_ENTITY, code, errors.to_string(), field, Some(errors.0))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut extra_headers = Vec::new();
        let mut error_id = None;
        let (status, code, message, field, fields): ErrorParts = match self {
            ApiError::TooManyFailures { retry_after } => {
                let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
                extra_headers.push((axum::http::header::RETRY_AFTER, seconds.to_string()));
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_failures",
                    format!("too many requests with a wrong key from this address; retry in {seconds} s"),
                    Some("Authorization".to_string()),
                    None,
                )
            }
            ApiError::TooLong { field, max } => (
                StatusCode::BAD_REQUEST,
                "too_long",
                format!("{field} must be at most {max} bytes"),
                Some(field.to_string()),
                None,
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send the store's API key as Authorization: Bearer <key>".to_string(),
                Some("Authorization".to_string()),
                None,
            ),
            ApiError::WrongStore(store) => (
                StatusCode::FORBIDDEN,
                "wrong_store",
                format!("this API key does not belong to store {store:?}"),
                Some("store".to_string()),
                None,
            ),
            ApiError::UnknownPath => (
                StatusCode::NOT_FOUND,
                "unknown_path",
                "no such API path; the API is described at /api/v1/openapi.json".to_string(),
                None,
                None,
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this path does not take this method; the Allow header lists those it takes".to_string(),
                None,
                None,
            ),
            ApiError::MissingIdempotencyKey => (
                StatusCode::BAD_REQUEST,
                "missing_idempotency_key",
                "send an Idempotency-Key header (1 to 255 visible characters), the same for every retry of this payment"
                    .to_string(),
                Some("Idempotency-Key".to_string()),
                None,
            ),
            ApiError::BadJson { field, message } => {
                (StatusCode::BAD_REQUEST, "invalid_json", message, field, None)
            }
            ApiError::Invalid(errors) => {
                let code = if errors.0.iter().all(|e| e.field.starts_with("return_urls")) {
                    "invalid_return_urls"
                } else {
                    "invalid_cart"
                };
                invalid(code, errors)
            }
            ApiError::InvalidRefund(errors) => invalid("invalid_refund", errors),
            ApiError::KeyReused => (
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                "this Idempotency-Key was already used for a different cart; use a new key for a new payment".into(),
                Some("Idempotency-Key".to_string()),
                None,
            ),
            ApiError::RefundKeyReused => (
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                "this Idempotency-Key was already used for a different refund; use a new key for a new refund".into(),
                Some("Idempotency-Key".to_string()),
                None,
            ),
            ApiError::CartRefInUse => (
                StatusCode::CONFLICT,
                "cart_ref_in_use",
                "this cart_ref has a live payment for a different cart; cancel that payment first, or use another \
                 cart_ref"
                    .into(),
                Some("cart_ref".to_string()),
                None,
            ),
            ApiError::NotFound => {
                (StatusCode::NOT_FOUND, "not_found", "no such payment in this store".into(), None, None)
            }
            ApiError::NotFoundField { field } => (
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{field}: no such payment in this store"),
                Some(field.to_string()),
                None,
            ),
            ApiError::Conflict(message) => (StatusCode::CONFLICT, "conflict", message, None, None),
            ApiError::BadQuery { field, message } => {
                (StatusCode::BAD_REQUEST, "invalid_query", message, Some(field.to_string()), None)
            }
            ApiError::Internal { error_id: id } => {
                error_id = Some(id);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Kassa could not complete this right now; retry with the same Idempotency-Key".into(),
                    None,
                    None,
                )
            }
            ApiError::Klarna(error) => {
                let problem = klarna_advice(&error);
                let (message, retry_later) = (problem.to_string(), problem.retry_later());
                let status = if retry_later { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::BAD_GATEWAY };
                let code = if retry_later { "klarna_unavailable" } else { "klarna_rejected" };
                (status, code, message, None, None)
            }
            ApiError::NotWithdrawn(error) => {
                tracing::warn!(%error, "a cancel was not confirmed by Klarna");
                (StatusCode::SERVICE_UNAVAILABLE, "not_withdrawn", Problem::LinkStillLive.to_string(), None, None)
            }
        };
        // Each entry: field, code (with its parameters) and an English message.
        let fields = fields.map(|fields| {
            fields
                .iter()
                .map(|entry| {
                    let mut value = json!(entry);
                    value["message"] = json!(entry.problem.to_string());
                    value
                })
                .collect()
        });
        let error = ErrorDetail { code: code.to_string(), message, field, error_id, fields };
        let mut response = (status, Json(ErrorBody { error })).into_response();
        for (name, value) in extra_headers {
            if let Ok(value) = value.parse() {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

impl ApiError {
    /// Logs what went wrong under a fresh id and answers with the id only:
    /// database text never reaches a client.
    pub fn internal(detail: &dyn std::fmt::Display) -> ApiError {
        ApiError::Internal { error_id: crate::incident::log_internal(detail) }
    }

    pub fn invalid_field(field: &str, message: &str) -> ApiError {
        let mut errors = FieldErrors::default();
        errors.push(field, message);
        ApiError::Invalid(errors)
    }
}

impl From<PaymentError> for ApiError {
    fn from(error: PaymentError) -> ApiError {
        match error {
            PaymentError::Invalid(errors) => ApiError::Invalid(errors),
            PaymentError::KeyReused => ApiError::KeyReused,
            PaymentError::CartRefInUse => ApiError::CartRefInUse,
            PaymentError::NotFound => ApiError::NotFound,
            PaymentError::UnknownStore(store) => ApiError::WrongStore(store),
            PaymentError::Klarna(error) => ApiError::Klarna(error),
            PaymentError::Conflict(problem) => ApiError::Conflict(problem.to_string()),
            PaymentError::NotWithdrawn(error) => ApiError::NotWithdrawn(error),
            PaymentError::Storage(error) => ApiError::internal(&error),
        }
    }
}

impl From<KioskError> for ApiError {
    fn from(error: KioskError) -> ApiError {
        match error {
            KioskError::Forbidden => ApiError::Unauthorized,
            KioskError::UnknownKiosk(_) => ApiError::NotFound,
            KioskError::WrongStore(kiosk) => ApiError::WrongStore(format!("of kiosk {kiosk}")),
            KioskError::Conflict(message) => ApiError::Conflict(message),
            KioskError::Payment(error) => error.into(),
        }
    }
}
