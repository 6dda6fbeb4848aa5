//! Who a request comes from: a POS by its store's API key, an associate's
//! browser by its session cookie.

use super::error::ApiError;
use crate::config::Config;
use crate::sellers::{SellerSession, Sellers};
use app::cookies::{request_cookie, SELLER_COOKIE};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// The store whose API key the request carries (`Authorization: Bearer`).
pub fn api_store(config: &Config, headers: &HeaderMap) -> Result<String, ApiError> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized)?;
    // Check every store so the time taken does not tell which one matched.
    let mut found = None;
    for store in &config.stores {
        if store.api_key.matches(given) {
            found = Some(store.id.clone());
        }
    }
    found.ok_or(ApiError::Unauthorized)
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
