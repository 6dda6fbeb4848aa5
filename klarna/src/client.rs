//! A typed client for the HPP and KP calls Kassa makes.
//!
//! It talks HTTP to whatever base URL it is given: Klarna's playground or
//! production hosts, or the simulator on loopback, in exactly the same way.

use crate::wire::{
    CreateOrderRequest, CreateOrderResponse, CreateSessionRequest, CreateSessionResponse,
    DistributionRequest, ErrorEnvelope, PaymentSessionRequest, PaymentSessionResponse,
    SessionResponse,
};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::{fmt, time::Duration};

/// Klarna's regional API hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    Eu,
    Na,
    Oc,
}

impl Region {
    pub fn parse(text: &str) -> Option<Region> {
        match text.to_ascii_lowercase().as_str() {
            "eu" => Some(Region::Eu),
            "na" => Some(Region::Na),
            "oc" => Some(Region::Oc),
            _ => None,
        }
    }

    fn host_suffix(self) -> &'static str {
        match self {
            Region::Eu => "",
            Region::Na => "-na",
            Region::Oc => "-oc",
        }
    }
}

/// Which Klarna the client talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiBase {
    Playground(Region),
    Production(Region),
    /// Any base URL, such as the simulator's.
    Custom(String),
}

impl ApiBase {
    pub fn url(&self) -> String {
        match self {
            ApiBase::Playground(region) => {
                format!("https://api{}.playground.klarna.com", region.host_suffix())
            }
            ApiBase::Production(region) => {
                format!("https://api{}.klarna.com", region.host_suffix())
            }
            ApiBase::Custom(url) => url.trim_end_matches('/').to_string(),
        }
    }
}

/// Klarna API credentials. Debug output never shows the password.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    password: String,
}

impl Credentials {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The secret itself; only for the HTTP layer and the embedded simulator.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

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
            KlarnaError::Transport(_) | KlarnaError::Timeout | KlarnaError::Server { .. }
        )
    }

    /// Klarna's error code, if it sent one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            KlarnaError::Credentials { details, .. }
            | KlarnaError::Rejected { details, .. }
            | KlarnaError::Server { details, .. }
            | KlarnaError::NotFound(details)
            | KlarnaError::Conflict(details) => details.error_code.as_deref(),
            _ => None,
        }
    }
}

/// Timeouts for every call.
#[derive(Clone, Copy, Debug)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    pub timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
        }
    }
}

/// The Klarna API client. Cheap to clone; clones share one connection pool.
#[derive(Clone, Debug)]
pub struct KlarnaClient {
    http: reqwest::Client,
    base: String,
    credentials: Credentials,
}

/// Klarna's in-store certification asks for the partner's name and version.
pub const USER_AGENT: &str = concat!(
    "Kassa/",
    env!("CARGO_PKG_VERSION"),
    " Library/kassa-klarna_",
    env!("CARGO_PKG_VERSION"),
    " Language/Rust"
);

impl KlarnaClient {
    pub fn new(
        base: &ApiBase,
        credentials: Credentials,
        options: ClientOptions,
    ) -> Result<KlarnaClient, KlarnaError> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .build()
            .map_err(|e| KlarnaError::Transport(e.to_string()))?;
        Ok(KlarnaClient {
            http,
            base: base.url(),
            credentials,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The `payment_session_url` an HPP session needs for a KP session.
    pub fn payment_session_url(&self, kp_session_id: &str) -> String {
        format!("{}/payments/v1/sessions/{kp_session_id}", self.base)
    }

    pub async fn create_payment_session(
        &self,
        request: &PaymentSessionRequest,
    ) -> Result<PaymentSessionResponse, KlarnaError> {
        self.send_json(Method::POST, "/payments/v1/sessions", Some(request), None)
            .await
    }

    /// Creates an HPP session. Pass the same `idempotency_key` when retrying
    /// the same start, so a retry after a crash cannot make a second session
    /// where Klarna honours the key.
    pub async fn create_hpp_session(
        &self,
        request: &CreateSessionRequest,
        idempotency_key: Option<&str>,
    ) -> Result<CreateSessionResponse, KlarnaError> {
        self.send_json(
            Method::POST,
            "/hpp/v1/sessions",
            Some(request),
            idempotency_key,
        )
        .await
    }

    pub async fn read_hpp_session(&self, session_id: &str) -> Result<SessionResponse, KlarnaError> {
        let path = format!("/hpp/v1/sessions/{}", path_segment(session_id));
        self.send_json::<(), _>(Method::GET, &path, None, None)
            .await
    }

    /// Disables the session so its link can no longer be paid.
    pub async fn disable_hpp_session(&self, session_id: &str) -> Result<(), KlarnaError> {
        let path = format!("/hpp/v1/sessions/{}", path_segment(session_id));
        self.send_empty::<()>(Method::DELETE, &path, None, None)
            .await
    }

    /// Sends the payment link by e-mail or SMS.
    pub async fn distribute(
        &self,
        session_id: &str,
        request: &DistributionRequest,
    ) -> Result<(), KlarnaError> {
        let path = format!("/hpp/v1/sessions/{}/distribution", path_segment(session_id));
        self.send_empty(Method::POST, &path, Some(request), None)
            .await
    }

    /// Places the order for a completed KP authorization (place_order_mode
    /// NONE). The idempotency key makes a retried call return the first order.
    pub async fn place_order(
        &self,
        authorization_token: &str,
        request: &CreateOrderRequest,
        idempotency_key: &str,
    ) -> Result<CreateOrderResponse, KlarnaError> {
        let path = format!(
            "/payments/v1/authorizations/{}/order",
            path_segment(authorization_token)
        );
        self.send_json(Method::POST, &path, Some(request), Some(idempotency_key))
            .await
    }

    fn request<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
    ) -> RequestBuilder {
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.credentials.username, Some(&self.credentials.password));
        if let Some(body) = body {
            builder = builder.json(body);
        }
        if let Some(key) = idempotency_key {
            builder = builder.header("Klarna-Idempotency-Key", key);
        }
        builder
    }

    async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
    ) -> Result<T, KlarnaError> {
        let bytes = self.send(method, path, body, idempotency_key).await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| KlarnaError::InvalidResponse(format!("{path}: {e}")))
    }

    async fn send_empty<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
    ) -> Result<(), KlarnaError> {
        self.send(method, path, body, idempotency_key)
            .await
            .map(drop)
    }

    async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
    ) -> Result<Vec<u8>, KlarnaError> {
        let started = std::time::Instant::now();
        let response = self
            .request(method.clone(), path, body, idempotency_key)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let correlation_id = response
            .headers()
            .get("Klarna-Correlation-Id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = response.bytes().await.map_err(transport_error)?.to_vec();
        // Bodies are never logged: they may carry authorization tokens.
        tracing::debug!(
            %method, path = %redact_path(path), status = status.as_u16(),
            correlation_id = correlation_id.as_deref().unwrap_or("-"),
            elapsed_ms = started.elapsed().as_millis() as u64, "klarna call"
        );
        if status.is_success() {
            return Ok(bytes);
        }
        Err(error_from(status, &bytes, correlation_id))
    }
}

fn transport_error(error: reqwest::Error) -> KlarnaError {
    if error.is_timeout() {
        KlarnaError::Timeout
    } else {
        // Without the URL: it may hold an authorization token.
        KlarnaError::Transport(error.without_url().to_string())
    }
}

/// Maps any non-2xx answer; the body may be Klarna's envelope, empty, or
/// HTML from a proxy.
fn error_from(
    status: StatusCode,
    body: &[u8],
    header_correlation_id: Option<String>,
) -> KlarnaError {
    let envelope: ErrorEnvelope = serde_json::from_slice(body).unwrap_or_default();
    let details = ErrorDetails {
        messages: envelope.messages(),
        correlation_id: envelope.correlation_id.clone().or(header_correlation_id),
        error_code: envelope.error_code,
    };
    let status = status.as_u16();
    match status {
        401 | 403 if details.error_code.is_none() || status == 401 => {
            KlarnaError::Credentials { status, details }
        }
        404 => KlarnaError::NotFound(details),
        409 => KlarnaError::Conflict(details),
        500..=599 => KlarnaError::Server { status, details },
        _ => KlarnaError::Rejected { status, details },
    }
}

fn path_segment(id: &str) -> String {
    crate::wire::encode_query_value(id)
}

/// Authorization tokens appear in place-order paths; keep them out of logs.
fn redact_path(path: &str) -> String {
    match path.strip_prefix("/payments/v1/authorizations/") {
        Some(rest) => format!(
            "/payments/v1/authorizations/[redacted]{}",
            rest.find('/').map(|at| &rest[at..]).unwrap_or("")
        ),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_per_environment_and_region() {
        assert_eq!(
            ApiBase::Playground(Region::Eu).url(),
            "https://api.playground.klarna.com"
        );
        assert_eq!(
            ApiBase::Playground(Region::Na).url(),
            "https://api-na.playground.klarna.com"
        );
        assert_eq!(
            ApiBase::Production(Region::Oc).url(),
            "https://api-oc.klarna.com"
        );
        assert_eq!(
            ApiBase::Custom("http://127.0.0.1:4010/".into()).url(),
            "http://127.0.0.1:4010"
        );
    }

    #[test]
    fn credentials_never_show_the_password() {
        let shown = format!("{:?}", Credentials::new("PK123", "hunter2"));
        assert!(
            shown.contains("PK123") && !shown.contains("hunter2"),
            "{shown}"
        );
    }

    #[test]
    fn errors_are_told_apart() {
        let envelope = br#"{"error_code":"BAD_VALUE","error_messages":["Bad value: order_amount"],"correlation_id":"c1"}"#;
        match error_from(StatusCode::BAD_REQUEST, envelope, None) {
            KlarnaError::Rejected {
                status: 400,
                details,
            } => {
                assert_eq!(details.error_code.as_deref(), Some("BAD_VALUE"));
                assert_eq!(details.correlation_id.as_deref(), Some("c1"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            error_from(StatusCode::UNAUTHORIZED, b"", None),
            KlarnaError::Credentials { .. }
        ));
        // A DDoS-protection 403 comes without a body.
        assert!(matches!(
            error_from(StatusCode::FORBIDDEN, b"<html>", None),
            KlarnaError::Credentials { .. }
        ));
        assert!(matches!(
            error_from(StatusCode::NOT_FOUND, b"", None),
            KlarnaError::NotFound(_)
        ));
        assert!(matches!(
            error_from(StatusCode::CONFLICT, b"", None),
            KlarnaError::Conflict(_)
        ));
        let server = error_from(StatusCode::SERVICE_UNAVAILABLE, b"oops", Some("h1".into()));
        assert!(server.is_transient());
        assert!(server.to_string().contains("h1"));
    }

    #[test]
    fn authorization_tokens_stay_out_of_logged_paths() {
        assert_eq!(
            redact_path("/payments/v1/authorizations/secret-token/order"),
            "/payments/v1/authorizations/[redacted]/order"
        );
        assert_eq!(redact_path("/hpp/v1/sessions/abc"), "/hpp/v1/sessions/abc");
    }
}
