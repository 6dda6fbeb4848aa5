//! The current request and response, and the ports the server provided for
//! them: what every server function starts from.

use crate::cookies::{request_cookie, CookieChange, SELLER_COOKIE};
use crate::model::SellerSession;
use crate::ports::SellerPortRef;
use crate::AppError;
use leptos::prelude::use_context;

/// A port the server provides; a missing one is a wiring bug.
fn port<T: Clone + Send + Sync + 'static>(what: &str) -> Result<T, AppError> {
    use_context::<T>().ok_or_else(|| AppError::other(format!("the {what} port is not available")))
}

pub fn seller_port() -> Result<SellerPortRef, AppError> {
    port("seller")
}

/// The seller port and the signed-in associate of the current request.
pub async fn seller() -> Result<(SellerPortRef, SellerSession), AppError> {
    let port = seller_port()?;
    let session = port.seller_session(session_token()).await?;
    Ok((port, session))
}

/// The session token of the request's cookie, if any.
pub fn session_token() -> Option<String> {
    request_cookie(&request_headers(), SELLER_COOKIE).map(str::to_string)
}

/// The current request's headers (empty outside a request).
pub fn request_headers() -> http::HeaderMap {
    use_context::<http::request::Parts>().map(|parts| parts.headers).unwrap_or_default()
}

/// Sends a cookie change with the current response.
pub fn set_cookie(change: &CookieChange) {
    if let (Some(response), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&change.header_value()))
    {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

/// Whether this is an HTML form posted without JavaScript (or before the
/// page hydrated): the browser asks for a page, not JSON.
pub fn plain_form_post() -> bool {
    request_headers()
        .get(http::header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Sends a plain form post on to `path` instead of back where it came from.
pub fn continue_to(path: &'static str) {
    if let (true, Some(response)) = (plain_form_post(), use_context::<leptos_axum::ResponseOptions>()) {
        response.insert_header(http::header::LOCATION, http::HeaderValue::from_static(path));
    }
}
