//! The API's input: JSON bodies, whose errors name the field
//! (`lines[0].quantity`), and query strings, refused in JSON too.

use super::error::ApiError;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// A create's answer: `201` with what it made, or `200` with what an
/// earlier call under the same key made.
pub fn created_or_found(created: bool, body: impl serde::Serialize) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = if created { axum::http::StatusCode::CREATED } else { axum::http::StatusCode::OK };
    (status, axum::Json(body)).into_response()
}

/// The request's `Idempotency-Key`, which every create must carry.
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<domain::AttemptKey, ApiError> {
    headers
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| domain::AttemptKey::parse(v).ok())
        .ok_or(ApiError::MissingIdempotencyKey)
}

/// A query string read into `T`; one it cannot read (a value given twice,
/// say) is a 400 in the API's own error shape, not axum's plain text.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ApiQuery<T>, ApiError> {
        match Query::<T>::try_from_uri(&parts.uri) {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError::BadQuery { field: "query", message: rejection.body_text() }),
        }
    }
}

pub fn parse_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let field = (path != ".").then_some(path);
        let message = match &field {
            Some(field) => format!("{field}: {}", error.inner()),
            None => format!("the body is not the expected JSON: {}", error.inner()),
        };
        ApiError::BadJson { field, message }
    })
}
