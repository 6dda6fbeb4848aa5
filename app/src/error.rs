//! The one error type of the UI boundary: what a server function can fail
//! with, in words an associate can act on.

use domain::FieldErrors;
use domain::Problem;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input is wrong; each entry names its field.
    #[error("check the highlighted fields: {0}")]
    Invalid(FieldErrors),
    #[error("this payment does not exist (or belongs to another store)")]
    NotFound,
    /// Nobody is signed in to a store on this device (or the session ended).
    #[error("sign in to your store first")]
    SignInRequired,
    #[error("the store, name or password is wrong")]
    WrongCredentials,
    /// The caller may not do this (e.g. a screen that is not an enrolled kiosk).
    #[error("{0}")]
    Forbidden(String),
    /// Kassa or Klarna could not do it, or it no longer fits the payment's
    /// state; the problem says what to do next.
    #[error("{0}")]
    Failed(Problem),
    /// Kassa's own failure (its database, say). The detail is in the
    /// server's log under `error_id`, which staff can quote.
    #[error("Kassa could not do this just now; try again in a moment (reference {error_id})")]
    Internal { error_id: String },
    /// The browser could not reach Kassa.
    #[error("could not reach Kassa ({0}); check the network and try again")]
    Transport(String),
}

impl AppError {
    /// A failure already in (English) words, for wiring problems.
    pub fn other(message: impl Into<String>) -> AppError {
        AppError::Failed(Problem::Other { message: message.into() })
    }
}

impl AppError {
    /// The HTTP status of a refusal: bad input 422, no session or a wrong
    /// password 401, not this caller's 403, unknown 404, a wait 429, a
    /// passing failure 503, and anything that does not fit the payment now 409.
    #[cfg(feature = "ssr")]
    pub fn http_status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::SignInRequired | AppError::WrongCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Failed(Problem::TooManySignIns { .. }) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Failed(problem) if problem.retry_later() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Failed(_) => StatusCode::CONFLICT,
            AppError::Internal { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Transport(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

impl From<Problem> for AppError {
    fn from(problem: Problem) -> AppError {
        AppError::Failed(problem)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}
