//! What every API handler does with a request first: Basic auth, the JSON
//! body, the idempotency key.

use crate::simulator::envelope::{klarna_error, Refusal};
use crate::simulator::Simulator;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

const IDEMPOTENCY_HEADER: &str = "Klarna-Idempotency-Key";

pub fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

pub fn bad_value(field: &str) -> Refusal {
    klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", format!("Bad value: {field}"))
}

pub fn check_auth(sim: &Simulator, headers: &HeaderMap) -> Result<(), Refusal> {
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

pub fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, Refusal> {
    serde_json::from_slice(body)
        .map_err(|e| klarna_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", format!("Invalid request body: {e}")))
}
