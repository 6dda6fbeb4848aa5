//! How a failed call is reported: Klarna's answer mapped to one error per
//! thing a caller can do about it.

use crate::wire::ErrorEnvelope;
use reqwest::StatusCode;
use std::fmt;
use std::time::Duration;

/// What Klarna said about a failed call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorDetails {
    pub error_code: Option<String>,
    pub messages: Vec<String>,
    pub correlation_id: Option<String>,
}

impl fmt::Display for ErrorDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error_code {
            Some(code) => write!(f, "{code}")?,
            None => write!(f, "no error code")?,
        }
        if !self.messages.is_empty() {
            write!(f, ": {}", self.messages.join("; "))?;
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " (correlation id {id})")?;
        }
        Ok(())
    }
}

/// Every way a Klarna call can fail, told apart so that callers can decide
/// what to retry and what to tell the associate.
#[derive(Clone, Debug, thiserror::Error)]
pub enum KlarnaError {
    #[error("could not reach Klarna: {0}")]
    Transport(String),
    #[error("Klarna did not answer in time")]
    Timeout,
    #[error("Klarna refused Kassa's credentials (HTTP {status}): {details}")]
    Credentials { status: u16, details: ErrorDetails },
    #[error("Klarna no longer knows this session (it expired or never existed): {0}")]
    NotFound(ErrorDetails),
    #[error("Klarna says the request conflicts with the session: {0}")]
    Conflict(ErrorDetails),
    /// 429: Klarna did no work; the same call may be made again once
    /// `retry_after` (Klarna's `Retry-After`, when it sent one) has passed.
    #[error("Klarna asked Kassa to slow down (HTTP 429): {details}")]
    RateLimited { retry_after: Option<Duration>, details: ErrorDetails },
    #[error("Klarna rejected the request (HTTP {status}): {details}")]
    Rejected { status: u16, details: ErrorDetails },
    #[error("Klarna had a problem on its side (HTTP {status}): {details}")]
    Server { status: u16, details: ErrorDetails },
    #[error("Klarna answered in a way Kassa does not understand: {0}")]
    InvalidResponse(String),
}

impl KlarnaError {
    /// Whether the same call may succeed if tried again later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            KlarnaError::Transport(_)
                | KlarnaError::Timeout
                | KlarnaError::Server { .. }
                | KlarnaError::RateLimited { .. }
        )
    }

    /// Whether Klarna certainly did none of the call's work, so that even a
    /// call it cannot recognise as a repeat may be made again.
    pub fn nothing_done(&self) -> bool {
        matches!(self, KlarnaError::RateLimited { .. })
    }

    /// How long Klarna asked Kassa to wait before the next call, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            KlarnaError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// What a store associate should be told, in words they can act on.
    /// Klarna's correlation id is appended where there is one, for support.
    pub fn associate_message(&self) -> String {
        let text = match self {
            KlarnaError::Transport(_) => {
                "Kassa cannot reach Klarna. Check the store's internet connection, then try again.".to_string()
            }
            KlarnaError::Timeout => "Klarna did not answer in time. Wait a moment and try again.".to_string(),
            KlarnaError::Credentials { .. } => "Klarna refused the store's API credentials. \
                 Ask the store administrator to check the Klarna username, password and environment."
                .to_string(),
            KlarnaError::NotFound(_) => "Klarna no longer knows this payment: it expired or was withdrawn. \
                 Start a new payment."
                .to_string(),
            KlarnaError::Conflict(_) => "The cart no longer matches what the shopper approved. \
                 Start a new payment for the current cart."
                .to_string(),
            KlarnaError::Rejected { details, .. } if !details.messages.is_empty() => format!(
                "Klarna refused the payment details ({}). Correct the cart and try again.",
                details.messages.join("; ")
            ),
            KlarnaError::Rejected { .. } => {
                "Klarna refused the payment details. Check the cart and try again.".to_string()
            }
            KlarnaError::Server { .. } => "Klarna has a temporary problem. Wait a moment and try again.".to_string(),
            KlarnaError::RateLimited { .. } => {
                "Klarna is busy right now. Wait a moment and try again; nothing was charged.".to_string()
            }
            KlarnaError::InvalidResponse(_) => "Klarna answered in an unexpected way. \
                 Try again; if it keeps happening, contact support."
                .to_string(),
        };
        match self.correlation_id() {
            Some(id) => format!("{text} (Klarna reference {id})"),
            None => text,
        }
    }

    /// Klarna's correlation id for support requests, if it sent one.
    pub fn correlation_id(&self) -> Option<&str> {
        self.details()?.correlation_id.as_deref()
    }

    fn details(&self) -> Option<&ErrorDetails> {
        match self {
            KlarnaError::Credentials { details, .. }
            | KlarnaError::Rejected { details, .. }
            | KlarnaError::Server { details, .. }
            | KlarnaError::RateLimited { details, .. }
            | KlarnaError::NotFound(details)
            | KlarnaError::Conflict(details) => Some(details),
            _ => None,
        }
    }

    /// Klarna's error code, if it sent one.
    pub fn error_code(&self) -> Option<&str> {
        self.details()?.error_code.as_deref()
    }
}

pub(super) fn transport_error(error: reqwest::Error) -> KlarnaError {
    if error.is_timeout() {
        KlarnaError::Timeout
    } else {
        // Without the URL: it may hold an authorization token.
        KlarnaError::Transport(error.without_url().to_string())
    }
}

/// Maps any non-2xx answer; the body may be Klarna's envelope, empty, or
/// HTML from a proxy. `retry_after` is the answer's `Retry-After` header.
pub(super) fn error_from(
    status: StatusCode,
    body: &[u8],
    header_correlation_id: Option<String>,
    retry_after: Option<&str>,
) -> KlarnaError {
    let envelope: ErrorEnvelope = serde_json::from_slice(body).unwrap_or_default();
    let details = ErrorDetails {
        messages: envelope.messages(),
        correlation_id: envelope.correlation_id.clone().or(header_correlation_id),
        error_code: envelope.error_code,
    };
    let status = status.as_u16();
    match status {
        401 | 403 if details.error_code.is_none() || status == 401 => KlarnaError::Credentials { status, details },
        404 => KlarnaError::NotFound(details),
        409 => KlarnaError::Conflict(details),
        429 => KlarnaError::RateLimited { retry_after: retry_after.and_then(parse_retry_after), details },
        500..=599 => KlarnaError::Server { status, details },
        _ => KlarnaError::Rejected { status, details },
    }
}

/// `Retry-After` in delay-seconds. The HTTP-date form is not used by
/// Klarna's APIs; an unreadable value counts as absent (the caller's own
/// back-off applies).
fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_told_apart() {
        let envelope =
            br#"{"error_code":"BAD_VALUE","error_messages":["Bad value: order_amount"],"correlation_id":"c1"}"#;
        match error_from(StatusCode::BAD_REQUEST, envelope, None, None) {
            KlarnaError::Rejected { status: 400, details } => {
                assert_eq!(details.error_code.as_deref(), Some("BAD_VALUE"));
                assert_eq!(details.correlation_id.as_deref(), Some("c1"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(error_from(StatusCode::UNAUTHORIZED, b"", None, None), KlarnaError::Credentials { .. }));
        // A DDoS-protection 403 comes without a body.
        assert!(matches!(error_from(StatusCode::FORBIDDEN, b"<html>", None, None), KlarnaError::Credentials { .. }));
        assert!(matches!(error_from(StatusCode::NOT_FOUND, b"", None, None), KlarnaError::NotFound(_)));
        assert!(matches!(error_from(StatusCode::CONFLICT, b"", None, None), KlarnaError::Conflict(_)));
        let server = error_from(StatusCode::SERVICE_UNAVAILABLE, b"oops", Some("h1".into()), None);
        assert!(server.is_transient());
        assert!(server.to_string().contains("h1"));
    }

    #[test]
    fn a_429_is_transient_did_nothing_and_carries_retry_after() {
        let limited = error_from(StatusCode::TOO_MANY_REQUESTS, b"", None, Some("3"));
        assert!(matches!(limited, KlarnaError::RateLimited { .. }), "{limited:?}");
        assert!(limited.is_transient() && limited.nothing_done());
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(error_from(StatusCode::TOO_MANY_REQUESTS, b"", None, Some("soon")).retry_after(), None);
        // Not "Klarna refused the payment details": the associate should simply wait.
        let text = limited.associate_message();
        assert!(text.contains("busy") && !text.contains("refused"), "{text}");
        assert!(!error_from(StatusCode::CONFLICT, b"", None, None).nothing_done());
    }

    #[test]
    fn associates_get_actionable_messages() {
        let envelope =
            br#"{"error_code":"BAD_VALUE","error_messages":["Bad value: order_amount"],"correlation_id":"c-42"}"#;
        let rejected = error_from(StatusCode::BAD_REQUEST, envelope, None, None);
        let text = rejected.associate_message();
        assert!(text.contains("Bad value: order_amount"), "{text}");
        assert!(text.contains("c-42"), "{text}");
        let credentials = error_from(StatusCode::UNAUTHORIZED, b"", None, None).associate_message();
        assert!(credentials.contains("credentials"), "{credentials}");
        let gone = error_from(StatusCode::NOT_FOUND, b"", None, None).associate_message();
        assert!(gone.contains("new payment"), "{gone}");
        assert!(KlarnaError::Timeout.associate_message().contains("try again"));
    }
}
