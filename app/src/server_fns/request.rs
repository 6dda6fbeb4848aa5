//! The current request and response, and the ports the server provided for
//! them: what every server function starts from.

use crate::model::SellerSession;
use crate::ports::Backend;
use crate::AppError;
use leptos::prelude::use_context;

/// The backend provided by the server; a missing one is a wiring bug.
pub fn backend() -> Result<Backend, AppError> {
    use_context::<Backend>().ok_or_else(|| AppError::other("the payment backend is not available"))
}

/// The backend and the signed-in associate of the current request.
pub async fn seller() -> Result<(Backend, SellerSession), AppError> {
    let backend = backend()?;
    let headers = request_headers();
    let session = backend.seller_session(&headers).await?;
    Ok((backend, session))
}

/// The current request's headers (empty outside a request).
pub fn request_headers() -> http::HeaderMap {
    use_context::<http::request::Parts>().map(|parts| parts.headers).unwrap_or_default()
}

/// Adds a `Set-Cookie` header to the current response.
pub fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
    {
        response.append_header(http::header::SET_COOKIE, value);
    }
}
