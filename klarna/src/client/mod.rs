//! A typed client for the HPP and KP calls Kassa makes.
//!
//! It talks HTTP to whatever base URL it is given: Klarna's playground or
//! production hosts, or the simulator on loopback, in exactly the same way.

mod base;
mod error;
mod paths;
mod retry;

pub use base::{ApiBase, Credentials, Region};
pub use error::{ErrorDetails, KlarnaError};
pub use retry::RetryPolicy;

use crate::wire::{
    CaptureRequest, CreateOrderRequest, CreateOrderResponse, CreateSessionRequest, CreateSessionResponse,
    DistributionModuleToken, DistributionRequest, OrderRead, PaymentSessionRead, PaymentSessionRequest,
    PaymentSessionResponse, RefundRequest, SessionResponse,
};
use error::{error_from, transport_error};
use paths::redact_path;
use reqwest::{header, Method, RequestBuilder};
use retry::is_retry_safe;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

/// Every attempt, by endpoint and HTTP status (`transport` when none came).
pub const KLARNA_REQUESTS_METRIC: &str = "kassa_klarna_requests_total";
/// Each attempt's duration in seconds, by endpoint.
pub const KLARNA_LATENCY_METRIC: &str = "kassa_klarna_request_duration_seconds";

/// A successful answer: its body, and where a created resource lives.
struct Answer {
    body: Vec<u8>,
    location: Option<String>,
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
        self.send_json(Method::POST, paths::KP_SESSIONS, Some(request), None).await
    }

    /// Reads a KP session (`status` turns `complete` once an order exists).
    pub async fn read_payment_session(&self, session_id: &str) -> Result<PaymentSessionRead, KlarnaError> {
        self.get_json(&paths::kp_session(session_id)).await
    }

    /// Replaces a KP session's cart (Klarna answers 204). Not retried: Klarna
    /// takes no idempotency key here.
    pub async fn update_payment_session(
        &self,
        session_id: &str,
        request: &PaymentSessionRequest,
    ) -> Result<(), KlarnaError> {
        self.send_empty(Method::POST, &paths::kp_session(session_id), Some(request), None).await
    }

    /// Mints a fresh Distribution Module token for an HPP session (the
    /// session's `distribution_module.generation_url`).
    pub async fn distribution_module_token(&self, session_id: &str) -> Result<DistributionModuleToken, KlarnaError> {
        let path = format!("{}/distribution-module/token", paths::hpp_session(session_id));
        self.send_json::<(), _>(Method::POST, &path, None, None).await
    }

    /// Gives up an authorization that will not become an order, so the
    /// shopper's credit is released (Klarna answers 204).
    pub async fn cancel_authorization(&self, authorization_token: &str) -> Result<(), KlarnaError> {
        self.delete(&paths::authorization(authorization_token)).await
    }

    /// Creates an HPP session. Pass the same `idempotency_key` when retrying
    /// the same start, so a retry after a crash cannot make a second session
    /// where Klarna honours the key.
    pub async fn create_hpp_session(
        &self,
        request: &CreateSessionRequest,
        idempotency_key: Option<&str>,
    ) -> Result<CreateSessionResponse, KlarnaError> {
        self.send_json(Method::POST, paths::HPP_SESSIONS, Some(request), idempotency_key).await
    }

    pub async fn read_hpp_session(&self, session_id: &str) -> Result<SessionResponse, KlarnaError> {
        self.get_json(&paths::hpp_session(session_id)).await
    }

    /// Disables the session so its link can no longer be paid.
    pub async fn disable_hpp_session(&self, session_id: &str) -> Result<(), KlarnaError> {
        self.delete(&paths::hpp_session(session_id)).await
    }

    /// Sends the payment link by e-mail or SMS.
    pub async fn distribute(&self, session_id: &str, request: &DistributionRequest) -> Result<(), KlarnaError> {
        let path = format!("{}/distribution", paths::hpp_session(session_id));
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
        let path = format!("{}/order", paths::authorization(authorization_token));
        self.send_json(Method::POST, &path, Some(request), Some(idempotency_key)).await
    }

    /// Reads an order from Order Management.
    pub async fn read_order(&self, order_id: &str) -> Result<OrderRead, KlarnaError> {
        self.get_json(&paths::order(order_id)).await
    }

    /// Captures (part of) an order; answers the new capture's id. The key
    /// makes a retried call return the first capture instead of a second.
    pub async fn capture_order(
        &self,
        order_id: &str,
        request: &CaptureRequest,
        idempotency_key: &str,
    ) -> Result<String, KlarnaError> {
        let path = format!("{}/captures", paths::order(order_id));
        self.send_created(&path, request, idempotency_key).await
    }

    /// Refunds (part of) what was captured; answers the new refund's id. The
    /// key makes a retried call return the first refund: never two.
    pub async fn refund_order(
        &self,
        order_id: &str,
        request: &RefundRequest,
        idempotency_key: &str,
    ) -> Result<String, KlarnaError> {
        let path = format!("{}/refunds", paths::order(order_id));
        self.send_created(&path, request, idempotency_key).await
    }

    /// A POST that answers 201 with the new resource in `Location`: its id.
    async fn send_created<B: Serialize>(&self, path: &str, body: &B, key: &str) -> Result<String, KlarnaError> {
        let answer = self.send(Method::POST, path, Some(body), Some(key)).await?;
        let location = answer.location.unwrap_or_default();
        match location.trim_end_matches('/').rsplit('/').next().filter(|id| !id.is_empty()) {
            Some(id) => Ok(id.to_string()),
            None => {
                Err(KlarnaError::InvalidResponse(format!("{}: no Location for what was created", redact_path(path))))
            }
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, KlarnaError> {
        self.send_json::<(), _>(Method::GET, path, None, None).await
    }

    async fn delete(&self, path: &str) -> Result<(), KlarnaError> {
        self.send_empty::<()>(Method::DELETE, path, None, None).await
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
            .basic_auth(&self.credentials.username, Some(self.credentials.password()));
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
        let answer = self.send(method, path, body, idempotency_key).await?;
        serde_json::from_slice(&answer.body)
            .map_err(|e| KlarnaError::InvalidResponse(format!("{}: {e}", redact_path(path))))
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
    ) -> Result<Answer, KlarnaError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| KlarnaError::InvalidResponse(format!("request body: {e}")))?;
        let retry_safe = is_retry_safe(&method, idempotency_key);
        let mut attempt = 1;
        loop {
            let result = self.attempt(method.clone(), path, body.as_deref(), idempotency_key).await;
            match result {
                Err(error) if attempt < self.retry.max_attempts && (error.nothing_done() || retry_safe) => {
                    let Some(wait) = self.retry.wait_before_retry(attempt, &error) else { return Err(error) };
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
    ) -> Result<Answer, KlarnaError> {
        let started = std::time::Instant::now();
        let endpoint = paths::endpoint(&method, path);
        let measured = |status: String| {
            metrics::counter!(KLARNA_REQUESTS_METRIC, "endpoint" => endpoint.clone(), "status" => status).increment(1);
            metrics::histogram!(KLARNA_LATENCY_METRIC, "endpoint" => endpoint.clone())
                .record(started.elapsed().as_secs_f64());
        };
        let response = match self.request(method.clone(), path, body, idempotency_key).send().await {
            Ok(response) => response,
            Err(error) => {
                measured("transport".into());
                return Err(transport_error(error));
            }
        };
        let status = response.status();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (correlation_id, retry_after) = (header("Klarna-Correlation-Id"), header("Retry-After"));
        let location = header("Location");
        let bytes = response.bytes().await.map_err(|error| {
            measured("transport".into());
            transport_error(error)
        })?;
        let bytes = bytes.to_vec();
        measured(status.as_u16().to_string());
        // Bodies are never logged: they may carry authorization tokens.
        tracing::debug!(
            %method, path = %redact_path(path), status = status.as_u16(),
            correlation_id = correlation_id.as_deref().unwrap_or("-"),
            elapsed_ms = started.elapsed().as_millis() as u64, "klarna call"
        );
        if status.is_success() {
            return Ok(Answer { body: bytes, location });
        }
        Err(error_from(status, &bytes, correlation_id, retry_after.as_deref()))
    }
}
