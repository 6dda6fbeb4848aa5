//! Who a request comes from: a POS by its store's API key, an associate's
//! browser by its session cookie.

use super::client::ClientAddress;
use super::error::ApiError;
use crate::config::Config;
use crate::guard::FailureLimit;
use crate::sellers::{SellerSession, Sellers};
use crate::state::AppState;
use app::cookies::{request_cookie, SELLER_COOKIE};
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;

/// Longest `Authorization` header worth comparing (keys are far shorter).
pub const MAX_AUTHORIZATION_BYTES: usize = 512;

/// What the request's bearer token (`Authorization: Bearer`) opens, as
/// `find` decides. A client with too many wrong tokens waits before any
/// token of it is checked, and a wrong one counts toward that wait; a
/// request without a token is told so at once (it guesses nothing).
/// `what` names the token in the log line of a wrong one.
pub fn bearer<T>(
    failures: &FailureLimit,
    client: IpAddr,
    headers: &HeaderMap,
    what: &str,
    find: impl FnOnce(&str) -> Option<T>,
) -> Result<T, ApiError> {
    let Some(given) = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes()) else {
        return Err(ApiError::Unauthorized);
    };
    if let Some(wait) = failures.wait(client) {
        return Err(ApiError::TooManyFailures { retry_after: wait });
    }
    if given.len() > MAX_AUTHORIZATION_BYTES {
        return Err(ApiError::TooLong { field: "Authorization", max: MAX_AUTHORIZATION_BYTES });
    }
    let given = std::str::from_utf8(given).ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
    let Some(given) = given else { return Err(ApiError::Unauthorized) };
    find(given).ok_or_else(|| {
        failures.failed(client);
        tracing::warn!(%client, "request with a wrong {what}");
        ApiError::Unauthorized
    })
}

/// The store whose API key the request carries.
fn api_store(
    config: &Config,
    failures: &FailureLimit,
    client: IpAddr,
    headers: &HeaderMap,
) -> Result<String, ApiError> {
    bearer(failures, client, headers, "API key", |given| {
        // Check every store so the time taken does not tell which one matched.
        let mut found = None;
        for store in &config.stores {
            if store.api_key_matches(given) {
                found = Some(store.id.clone());
            }
        }
        found
    })
}

/// The store of the request's API key, as an extractor.
pub struct ApiStore(pub String);

impl FromRequestParts<AppState> for ApiStore {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ApiStore, ApiError> {
        let client = ClientAddress::of(&parts.extensions);
        api_store(&state.payments.config(), &state.failures, client, &parts.headers).map(ApiStore)
    }
}

/// The signed-in associate of the request's cookie, if any.
pub async fn seller_session(
    sellers: &Sellers,
    headers: &HeaderMap,
) -> Result<Option<SellerSession>, crate::storage::StorageError> {
    match request_cookie(headers, SELLER_COOKIE) {
        Some(token) => sellers.session(token).await,
        None => Ok(None),
    }
}

/// The signed-in associate's store, or the answer for a stream request
/// without one (401; 503 when the database fails).
pub async fn seller_store(sellers: &Sellers, headers: &HeaderMap) -> Result<String, Response> {
    match seller_session(sellers, headers).await {
        Ok(Some(session)) => Ok(session.store_id),
        Ok(None) => Err(StatusCode::UNAUTHORIZED.into_response()),
        Err(error) => {
            tracing::error!(%error, "reading the seller session failed");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}
