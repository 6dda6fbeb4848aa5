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

/// What a server function answers. Over HTTP a refusal gets the status that
/// says why instead of 500; while a page renders (the function called
/// directly), the status is the page's and is left alone.
pub fn answered<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        let own_call = use_context::<http::request::Parts>().is_some_and(|parts| is_server_fn_path(parts.uri.path()));
        // A plain form post is answered with a redirect back, error in the address.
        if let (true, false, Some(response)) =
            (own_call, plain_form_post(), use_context::<leptos_axum::ResponseOptions>())
        {
            response.set_status(error_status(error));
        }
    }
    result
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

/// Where server functions are served (`#[server]`'s default prefix and the
/// kiosk's); no page lives there.
fn is_server_fn_path(path: &str) -> bool {
    (path.starts_with("/api/") && !path.starts_with("/api/v1/")) || path.starts_with("/kiosk/fn/")
}

/// The HTTP status of a refusal: bad input 422, no session or wrong
/// password 401, not this caller's 403, unknown 404, a wait 429, a
/// passing failure 503, and anything that does not fit the payment now 409.
pub fn error_status(error: &AppError) -> http::StatusCode {
    use http::StatusCode;
    match error {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::SignInRequired | AppError::WrongCredentials => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Failed(domain::Problem::TooManySignIns { .. }) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Failed(problem) if problem.retry_later() => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Failed(_) => StatusCode::CONFLICT,
        AppError::Internal { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Transport(_) => StatusCode::BAD_GATEWAY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Problem;

    #[test]
    fn refusals_get_the_status_that_says_why() {
        let status = |error: AppError| error_status(&error).as_u16();
        assert_eq!(status(AppError::Invalid(domain::FieldErrors::default())), 422);
        assert_eq!(status(AppError::WrongCredentials), 401);
        assert_eq!(status(AppError::Forbidden("kiosk".into())), 403);
        assert_eq!(status(AppError::Failed(Problem::TooManySignIns { wait_seconds: 30 })), 429);
        assert_eq!(status(AppError::Failed(Problem::KlarnaUnreachable)), 503);
        assert_eq!(status(AppError::Failed(Problem::AlreadyPaid)), 409);
        assert_eq!(status(AppError::Internal { error_id: "x".into() }), 503);
    }

    #[test]
    fn only_server_function_urls_are_server_function_calls() {
        assert!(is_server_fn_path("/api/sign_in12345"));
        assert!(is_server_fn_path("/kiosk/fn/kiosk_pay678"));
        assert!(!is_server_fn_path("/seller/sign-in"));
        assert!(!is_server_fn_path("/api/v1/payments"));
        assert!(!is_server_fn_path("/kiosk"));
    }
}
