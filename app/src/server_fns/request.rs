//! The current request and response, and the ports the server provided for
//! them: what every server function starts from.

use crate::cookies::{request_cookie, CookieChange, SELLER_COOKIE};
use crate::model::SellerSession;
use crate::ports::{SellerPortRef, ShopPortRef};
use crate::AppError;
use leptos::prelude::use_context;

/// A port the server provides; a missing one is a wiring bug.
fn port<T: Clone + Send + Sync + 'static>(what: &str) -> Result<T, AppError> {
    use_context::<T>().ok_or_else(|| AppError::other(format!("the {what} port is not available")))
}

pub fn seller_port() -> Result<SellerPortRef, AppError> {
    port("seller")
}

pub fn shop_port() -> Result<ShopPortRef, AppError> {
    port("shop")
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

/// Answers a refused sign-in with the status that says why (400 for input
/// too long, 429 for a wait), not 500. Only for calls made over HTTP: during
/// a page's render it would change the page's own status.
pub fn set_sign_in_status(error: &AppError) {
    let status = match error {
        AppError::Invalid(_) => http::StatusCode::BAD_REQUEST,
        AppError::Failed(domain::Problem::TooManySignIns { .. }) => http::StatusCode::TOO_MANY_REQUESTS,
        AppError::Failed(domain::Problem::SignInBusy) => http::StatusCode::SERVICE_UNAVAILABLE,
        _ => return,
    };
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}
