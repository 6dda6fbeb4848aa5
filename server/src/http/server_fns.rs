//! The pages' server functions answer every refusal with 500 (Leptos's
//! default), whatever the reason. Here a refusal gets the status that says
//! why (`AppError::http_status`), for every server function in one place.
//! A plain form post (no JavaScript) is answered with a redirect instead, and
//! is left alone; pages never live under these paths.

use app::AppError;
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// Error bodies are a few hundred bytes; anything larger is left as it is.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn refusal_status(request: Request, next: Next) -> Response {
    let server_fn = is_server_fn_path(request.uri().path());
    let response = next.run(request).await;
    if !server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.http_status();
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Where server functions are served: `#[server]`'s default prefix (beside
/// the JSON API) and the kiosk's.
fn is_server_fn_path(path: &str) -> bool {
    (path.starts_with("/api/") && !path.starts_with("/api/v1/")) || path.starts_with("/kiosk/fn/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Problem;

    #[test]
    fn refusals_get_the_status_that_says_why() {
        let status = |error: AppError| error.http_status().as_u16();
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

    #[tokio::test]
    async fn a_refused_call_gets_its_status_and_keeps_its_body() {
        let refused = serde_json::to_string(&AppError::SignInRequired).unwrap();
        let router = |path: &'static str| {
            let body = refused.clone();
            axum::Router::new()
                .route(path, axum::routing::post(move || async move { (StatusCode::INTERNAL_SERVER_ERROR, body) }))
                .layer(axum::middleware::from_fn(refusal_status))
        };
        let call = |path: &'static str| {
            use tower::ServiceExt;
            let request = axum::http::Request::post(path).body(Body::empty()).unwrap();
            router(path).oneshot(request)
        };
        let answer = call("/api/todays_payments1").await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        let body = to_bytes(answer.into_body(), MAX_ERROR_BODY).await.unwrap();
        assert_eq!(serde_json::from_slice::<AppError>(&body).unwrap(), AppError::SignInRequired);
        // Not a server function: not this layer's business.
        assert_eq!(call("/api/v1/payments").await.unwrap().status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
