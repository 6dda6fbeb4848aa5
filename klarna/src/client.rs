//! A typed client for the HPP and KP calls Kassa makes.
//!
//! It talks HTTP to whatever base URL it is given: Klarna's playground or
//! production hosts, or the simulator on loopback, in exactly the same way.

use crate::wire::{
    CreateOrderRequest, CreateOrderResponse, CreateSessionRequest, CreateSessionResponse, DistributionModuleToken,
    DistributionRequest, ErrorEnvelope, PaymentSessionRead, PaymentSessionRequest, PaymentSessionResponse,
    SessionResponse,
};
use reqwest::{header, Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
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
        Credentials { username: username.into(), password: password.into() }
    }

    /// The secret itself; only for the HTTP layer and the embedded simulator.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"[redacted]").finish()
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
        matches!(self, KlarnaError::Transport(_) | KlarnaError::Timeout | KlarnaError::Server { .. })
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
            | KlarnaError::NotFound(details)
            | KlarnaError::Conflict(details) => Some(details),
            _ => None,
        }
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
        ClientOptions { connect_timeout: Duration::from_secs(5), timeout: Duration::from_secs(20) }
    }
}

/// When a failed call is tried again. Only transient failures (transport,
/// timeout, 5xx) of safe calls are retried: reads, DELETEs, and POSTs that
/// carry a `Klarna-Idempotency-Key`. Waits grow exponentially from
/// `base_delay`, capped at `max_delay`, each with random jitter (half to
/// all of the step) so that many tills do not retry in lockstep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Calls in total, the first included; 1 means never retry.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(250), max_delay: Duration::from_secs(4) }
    }
}

impl RetryPolicy {
    /// Every call is made once.
    pub fn never() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let step = self.base_delay.saturating_mul(1u32 << retry.saturating_sub(1).min(16)).min(self.max_delay);
        step.mul_f64(0.5 + 0.5 * jitter())
    }
}

/// A uniform number in [0, 1) without a random-number crate: std's
/// randomly keyed hasher over a counter.
fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    (RandomState::new().hash_one(n) >> 11) as f64 / (1u64 << 53) as f64
}

/// The Klarna API client. Cheap to clone; clones share one connection pool.
#[derive(Clone, Debug)]
pub struct KlarnaClient {
    http: reqwest::Client,
    base: String,
    credentials: Credentials,
    retry: RetryPolicy,
}

/// Klarna's in-store certification asks for the partner's name and version.
pub const USER_AGENT: &str =
    concat!("Kassa/", env!("CARGO_PKG_VERSION"), " Library/kassa-klarna_", env!("CARGO_PKG_VERSION"), " Language/Rust");

impl KlarnaClient {
    pub fn new(base: &ApiBase, credentials: Credentials, options: ClientOptions) -> Result<KlarnaClient, KlarnaError> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .build()
            .map_err(|e| KlarnaError::Transport(e.to_string()))?;
        Ok(KlarnaClient { http, base: base.url(), credentials, retry: RetryPolicy::default() })
    }

    /// The same client with another retry policy (default: [`RetryPolicy::default`]).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> KlarnaClient {
        self.retry = retry;
        self
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
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
        self.send_json(Method::POST, "/payments/v1/sessions", Some(request), None).await
    }

    /// Reads a KP session (`status` turns `complete` once an order exists).
    pub async fn read_payment_session(&self, session_id: &str) -> Result<PaymentSessionRead, KlarnaError> {
        let path = format!("/payments/v1/sessions/{}", path_segment(session_id));
        self.send_json::<(), _>(Method::GET, &path, None, None).await
    }

    /// Replaces a KP session's cart (Klarna answers 204). Not retried: Klarna
    /// takes no idempotency key here.
    pub async fn update_payment_session(
        &self,
        session_id: &str,
        request: &PaymentSessionRequest,
    ) -> Result<(), KlarnaError> {
        let path = format!("/payments/v1/sessions/{}", path_segment(session_id));
        self.send_empty(Method::POST, &path, Some(request), None).await
    }

    /// Mints a fresh Distribution Module token for an HPP session (the
    /// session's `distribution_module.generation_url`).
    pub async fn distribution_module_token(&self, session_id: &str) -> Result<DistributionModuleToken, KlarnaError> {
        let path = format!("/hpp/v1/sessions/{}/distribution-module/token", path_segment(session_id));
        self.send_json::<(), _>(Method::POST, &path, None, None).await
    }

    /// Gives up an authorization that will not become an order, so the
    /// shopper's credit is released (Klarna answers 204).
    pub async fn cancel_authorization(&self, authorization_token: &str) -> Result<(), KlarnaError> {
        let path = format!("/payments/v1/authorizations/{}", path_segment(authorization_token));
        self.send_empty::<()>(Method::DELETE, &path, None, None).await
    }

    /// Creates an HPP session. Pass the same `idempotency_key` when retrying
    /// the same start, so a retry after a crash cannot make a second session
    /// where Klarna honours the key.
    pub async fn create_hpp_session(
        &self,
        request: &CreateSessionRequest,
        idempotency_key: Option<&str>,
    ) -> Result<CreateSessionResponse, KlarnaError> {
        self.send_json(Method::POST, "/hpp/v1/sessions", Some(request), idempotency_key).await
    }

    pub async fn read_hpp_session(&self, session_id: &str) -> Result<SessionResponse, KlarnaError> {
        let path = format!("/hpp/v1/sessions/{}", path_segment(session_id));
        self.send_json::<(), _>(Method::GET, &path, None, None).await
    }

    /// Disables the session so its link can no longer be paid.
    pub async fn disable_hpp_session(&self, session_id: &str) -> Result<(), KlarnaError> {
        let path = format!("/hpp/v1/sessions/{}", path_segment(session_id));
        self.send_empty::<()>(Method::DELETE, &path, None, None).await
    }

    /// Sends the payment link by e-mail or SMS.
    pub async fn distribute(&self, session_id: &str, request: &DistributionRequest) -> Result<(), KlarnaError> {
        let path = format!("/hpp/v1/sessions/{}/distribution", path_segment(session_id));
        self.send_empty(Method::POST, &path, Some(request), None).await
    }

    /// Places the order for a completed KP authorization (place_order_mode
    /// NONE). The idempotency key makes a retried call return the first order.
    pub async fn place_order(
        &self,
        authorization_token: &str,
        request: &CreateOrderRequest,
        idempotency_key: &str,
    ) -> Result<CreateOrderResponse, KlarnaError> {
        let path = format!("/payments/v1/authorizations/{}/order", path_segment(authorization_token));
        self.send_json(Method::POST, &path, Some(request), Some(idempotency_key)).await
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        idempotency_key: Option<&str>,
    ) -> RequestBuilder {
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.credentials.username, Some(&self.credentials.password));
        if let Some(body) = body {
            builder = builder.header(header::CONTENT_TYPE, "application/json").body(body.to_vec());
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
        serde_json::from_slice(&bytes).map_err(|e| KlarnaError::InvalidResponse(format!("{}: {e}", redact_path(path))))
    }

    async fn send_empty<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
    ) -> Result<(), KlarnaError> {
        self.send(method, path, body, idempotency_key).await.map(drop)
    }

    /// One logical call: the first attempt plus the retries the policy and
    /// the call's safety allow.
    async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
    ) -> Result<Vec<u8>, KlarnaError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| KlarnaError::InvalidResponse(format!("request body: {e}")))?;
        let retry_safe = is_retry_safe(&method, idempotency_key);
        let mut attempt = 1;
        loop {
            let result = self.attempt(method.clone(), path, body.as_deref(), idempotency_key).await;
            match result {
                Err(error) if retry_safe && error.is_transient() && attempt < self.retry.max_attempts => {
                    let wait = self.retry.delay(attempt);
                    tracing::info!(
                        %method, path = %redact_path(path), attempt,
                        wait_ms = wait.as_millis() as u64, error = %error,
                        "klarna call failed, retrying"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn attempt(
        &self,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        idempotency_key: Option<&str>,
    ) -> Result<Vec<u8>, KlarnaError> {
        let started = std::time::Instant::now();
        let response =
            self.request(method.clone(), path, body, idempotency_key).send().await.map_err(transport_error)?;
        let status = response.status();
        let correlation_id =
            response.headers().get("Klarna-Correlation-Id").and_then(|v| v.to_str().ok()).map(str::to_string);
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

/// Reads and DELETEs change nothing twice; a POST only when Klarna can
/// recognise the repeat by its idempotency key.
fn is_retry_safe(method: &Method, idempotency_key: Option<&str>) -> bool {
    matches!(*method, Method::GET | Method::DELETE) || idempotency_key.is_some()
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
fn error_from(status: StatusCode, body: &[u8], header_correlation_id: Option<String>) -> KlarnaError {
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
        Some(rest) => {
            format!("/payments/v1/authorizations/[redacted]{}", rest.find('/').map(|at| &rest[at..]).unwrap_or(""))
        }
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_per_environment_and_region() {
        assert_eq!(ApiBase::Playground(Region::Eu).url(), "https://api.playground.klarna.com");
        assert_eq!(ApiBase::Playground(Region::Na).url(), "https://api-na.playground.klarna.com");
        assert_eq!(ApiBase::Production(Region::Oc).url(), "https://api-oc.klarna.com");
        assert_eq!(ApiBase::Custom("http://127.0.0.1:4010/".into()).url(), "http://127.0.0.1:4010");
    }

    #[test]
    fn credentials_never_show_the_password() {
        let shown = format!("{:?}", Credentials::new("PK123", "hunter2"));
        assert!(shown.contains("PK123") && !shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn errors_are_told_apart() {
        let envelope =
            br#"{"error_code":"BAD_VALUE","error_messages":["Bad value: order_amount"],"correlation_id":"c1"}"#;
        match error_from(StatusCode::BAD_REQUEST, envelope, None) {
            KlarnaError::Rejected { status: 400, details } => {
                assert_eq!(details.error_code.as_deref(), Some("BAD_VALUE"));
                assert_eq!(details.correlation_id.as_deref(), Some("c1"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(error_from(StatusCode::UNAUTHORIZED, b"", None), KlarnaError::Credentials { .. }));
        // A DDoS-protection 403 comes without a body.
        assert!(matches!(error_from(StatusCode::FORBIDDEN, b"<html>", None), KlarnaError::Credentials { .. }));
        assert!(matches!(error_from(StatusCode::NOT_FOUND, b"", None), KlarnaError::NotFound(_)));
        assert!(matches!(error_from(StatusCode::CONFLICT, b"", None), KlarnaError::Conflict(_)));
        let server = error_from(StatusCode::SERVICE_UNAVAILABLE, b"oops", Some("h1".into()));
        assert!(server.is_transient());
        assert!(server.to_string().contains("h1"));
    }

    #[test]
    fn only_safe_calls_are_retried() {
        assert!(is_retry_safe(&Method::GET, None));
        assert!(is_retry_safe(&Method::DELETE, None));
        assert!(is_retry_safe(&Method::POST, Some("key")));
        assert!(!is_retry_safe(&Method::POST, None));
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for retry in 1..=8 {
            let step = Duration::from_millis((100u64 << (retry - 1)).min(1000));
            let delays: Vec<Duration> = (0..50).map(|_| policy.delay(retry)).collect();
            assert!(delays.iter().all(|d| *d >= step / 2 && *d <= step), "retry {retry}: {delays:?}");
            // Jitter: fifty draws are not all the same.
            assert!(delays.iter().any(|d| *d != delays[0]), "retry {retry}");
        }
    }

    #[test]
    fn associates_get_actionable_messages() {
        let envelope =
            br#"{"error_code":"BAD_VALUE","error_messages":["Bad value: order_amount"],"correlation_id":"c-42"}"#;
        let rejected = error_from(StatusCode::BAD_REQUEST, envelope, None);
        let text = rejected.associate_message();
        assert!(text.contains("Bad value: order_amount"), "{text}");
        assert!(text.contains("c-42"), "{text}");
        let credentials = error_from(StatusCode::UNAUTHORIZED, b"", None).associate_message();
        assert!(credentials.contains("credentials"), "{credentials}");
        let gone = error_from(StatusCode::NOT_FOUND, b"", None).associate_message();
        assert!(gone.contains("new payment"), "{gone}");
        assert!(KlarnaError::Timeout.associate_message().contains("try again"));
    }

    #[test]
    fn authorization_tokens_stay_out_of_logged_paths() {
        assert_eq!(
            redact_path("/payments/v1/authorizations/secret-token/order"),
            "/payments/v1/authorizations/[redacted]/order"
        );
        assert_eq!(redact_path("/payments/v1/authorizations/secret-token"), "/payments/v1/authorizations/[redacted]");
        assert_eq!(redact_path("/hpp/v1/sessions/abc"), "/hpp/v1/sessions/abc");
    }
}
