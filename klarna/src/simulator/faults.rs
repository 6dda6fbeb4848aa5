//! Fault injection: added latency, error answers (5xx; 429 with
//! `Retry-After`; 409; 400) and timeouts per endpoint, and status callbacks
//! dropped, duplicated, delayed or reordered. Every error answer is given
//! before any work, as Klarna's are; a timeout does the work and loses the
//! answer.
//!
//! Set with `POST /_sim/faults` (or
//! [`Simulator::set_faults`](super::Simulator::set_faults)), reset with
//! `DELETE /_sim/faults`. Rates draw at random; the `*_next` counters fail
//! exactly the next N calls, which is what tests should use.
//!
//! This module decides; the API routes' middleware (in `api`) applies the
//! decision, and the callback sender follows its plan.

use axum::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Klarna's merchant API endpoints, as named in the fault config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    KpCreate,
    KpRead,
    KpUpdate,
    HppCreate,
    HppRead,
    HppDisable,
    Distribute,
    DistributionModuleToken,
    PlaceOrder,
    CancelAuthorization,
    OrderRead,
    Capture,
    Refund,
    /// Every endpoint above; applies after an endpoint's own entry.
    All,
}

impl Endpoint {
    /// Which endpoint a request is for, from its method and path (relative
    /// to the simulator's root).
    pub fn classify(method: &Method, path: &str) -> Option<Endpoint> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        Some(match (method.as_str(), parts.as_slice()) {
            ("POST", ["payments", "v1", "sessions"]) => Endpoint::KpCreate,
            ("GET", ["payments", "v1", "sessions", _]) => Endpoint::KpRead,
            ("POST", ["payments", "v1", "sessions", _]) => Endpoint::KpUpdate,
            ("POST", ["hpp", "v1", "sessions"]) => Endpoint::HppCreate,
            ("GET", ["hpp", "v1", "sessions", _]) => Endpoint::HppRead,
            ("DELETE", ["hpp", "v1", "sessions", _]) => Endpoint::HppDisable,
            ("POST", ["hpp", "v1", "sessions", _, "distribution"]) => Endpoint::Distribute,
            ("POST", ["hpp", "v1", "sessions", _, "distribution-module", "token"]) => Endpoint::DistributionModuleToken,
            ("POST", ["payments", "v1", "authorizations", _, "order"]) => Endpoint::PlaceOrder,
            ("DELETE", ["payments", "v1", "authorizations", _]) => Endpoint::CancelAuthorization,
            ("GET", ["ordermanagement", "v1", "orders", _]) => Endpoint::OrderRead,
            ("POST", ["ordermanagement", "v1", "orders", _, "captures"]) => Endpoint::Capture,
            ("POST", ["ordermanagement", "v1", "orders", _, "refunds"]) => Endpoint::Refund,
            _ => return None,
        })
    }
}

/// Faults for one endpoint.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EndpointFaults {
    /// Share of calls (0.0..=1.0) answered with `status` before any work.
    pub error_rate: f64,
    /// Answer exactly the next N calls with `status`.
    pub fail_next: u32,
    /// Share of calls that do their work but whose answer is held back for
    /// `timeout_ms`, so the client times out (the lost-answer case).
    pub timeout_rate: f64,
    /// Hold back exactly the next N answers.
    pub timeout_next: u32,
    /// The status for errors: a 5xx, or 400, 409 or 429; 503 when absent.
    pub status: Option<u16>,
    /// With status 429: the `Retry-After` seconds sent; none when absent.
    pub retry_after_s: Option<u64>,
}

/// The error statuses fault injection can answer with.
fn injectable(status: u16) -> bool {
    matches!(status, 400 | 409 | 429 | 500..=599)
}

/// Faults for status callbacks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackFaults {
    /// Share of events never sent.
    pub drop_rate: f64,
    /// Never send exactly the next N events.
    pub drop_next: u32,
    /// Send every event twice (same `event_id`).
    pub duplicate: bool,
    /// Wait this long before the first attempt of each event.
    pub delay_ms: u64,
    /// Hold each event back until the next one has been sent (or 5 s
    /// passed), so pairs of events arrive in the wrong order.
    pub reorder: bool,
}

/// The whole fault configuration: the body of `POST /_sim/faults`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added to every Klarna API call.
    pub latency_ms: u64,
    /// How long a timed-out answer is held back; 30 s when absent.
    pub timeout_ms: Option<u64>,
    pub endpoints: BTreeMap<Endpoint, EndpointFaults>,
    pub callbacks: CallbackFaults,
}

impl Faults {
    /// Checks the rates and statuses, so a typo fails loudly.
    pub fn validate(&self) -> Result<(), String> {
        let rate_ok = |r: f64| (0.0..=1.0).contains(&r);
        for (endpoint, f) in &self.endpoints {
            if !rate_ok(f.error_rate) || !rate_ok(f.timeout_rate) {
                return Err(format!("{endpoint:?}: rates must be between 0 and 1"));
            }
            if let Some(status) = f.status {
                if !injectable(status) {
                    return Err(format!("{endpoint:?}: status must be a 5xx, 400, 409 or 429"));
                }
            }
        }
        if !rate_ok(self.callbacks.drop_rate) {
            return Err("callbacks.drop_rate must be between 0 and 1".into());
        }
        Ok(())
    }
}

/// What happens to one API call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallFault {
    None,
    /// An error answer, with `Retry-After` seconds for a 429.
    Error(StatusCode, Option<u64>),
    Timeout(Duration),
}

impl CallFault {
    /// Klarna's error code and message for an injected error.
    pub fn refusal(status: StatusCode) -> (&'static str, &'static str) {
        match status.as_u16() {
            400 => ("BAD_VALUE", "Bad value: simulated refusal (fault injection)"),
            409 => ("CONFLICT", "A request with this idempotency key is in progress (fault injection)"),
            429 => ("RATE_LIMITED", "Too many requests (fault injection)"),
            _ => ("INTERNAL_SERVER_ERROR", "Simulated failure (fault injection). Please try again."),
        }
    }
}

/// What happens to one status callback event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackPlan {
    Drop,
    Deliver { duplicate: bool, delay: Duration, reorder: bool },
}

/// The configuration plus what it has done so far.
#[derive(Debug, Default)]
pub struct FaultState {
    pub faults: Faults,
    pub calls: BTreeMap<Endpoint, u64>,
    pub injected: BTreeMap<Endpoint, u64>,
    /// Injected faults by kind: the status ("429") or "timeout".
    pub injected_by_kind: BTreeMap<String, u64>,
}

/// A uniform draw in [0, 1).
fn draw() -> f64 {
    (uuid::Uuid::new_v4().as_u128() >> 75) as f64 / (1u64 << 53) as f64
}

impl FaultState {
    /// Counts the call and decides its fault; counters are used up here.
    pub fn decide(&mut self, endpoint: Endpoint) -> CallFault {
        *self.calls.entry(endpoint).or_default() += 1;
        let hold = Duration::from_millis(self.faults.timeout_ms.unwrap_or(30_000));
        let mut fault = CallFault::None;
        for key in [endpoint, Endpoint::All] {
            let Some(f) = self.faults.endpoints.get_mut(&key) else {
                continue;
            };
            let status = StatusCode::from_u16(f.status.unwrap_or(503)).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            fault = if f.fail_next > 0 {
                f.fail_next -= 1;
                CallFault::Error(status, f.retry_after_s)
            } else if f.timeout_next > 0 {
                f.timeout_next -= 1;
                CallFault::Timeout(hold)
            } else if f.error_rate > 0.0 && draw() < f.error_rate {
                CallFault::Error(status, f.retry_after_s)
            } else if f.timeout_rate > 0.0 && draw() < f.timeout_rate {
                CallFault::Timeout(hold)
            } else {
                continue;
            };
            break;
        }
        let kind = match fault {
            CallFault::None => return fault,
            CallFault::Error(status, _) => status.as_u16().to_string(),
            CallFault::Timeout(_) => "timeout".to_string(),
        };
        *self.injected.entry(endpoint).or_default() += 1;
        *self.injected_by_kind.entry(kind).or_default() += 1;
        fault
    }

    pub fn callback_plan(&mut self) -> CallbackPlan {
        let c = &mut self.faults.callbacks;
        if c.drop_next > 0 {
            c.drop_next -= 1;
            return CallbackPlan::Drop;
        }
        if c.drop_rate > 0.0 && draw() < c.drop_rate {
            return CallbackPlan::Drop;
        }
        CallbackPlan::Deliver { duplicate: c.duplicate, delay: Duration::from_millis(c.delay_ms), reorder: c.reorder }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_classified_by_method_and_path() {
        let cases = [
            (Method::POST, "/payments/v1/sessions", Endpoint::KpCreate),
            (Method::GET, "/payments/v1/sessions/a", Endpoint::KpRead),
            (Method::POST, "/payments/v1/sessions/a", Endpoint::KpUpdate),
            (Method::POST, "/hpp/v1/sessions", Endpoint::HppCreate),
            (Method::GET, "/hpp/v1/sessions/a/", Endpoint::HppRead),
            (Method::DELETE, "/hpp/v1/sessions/a", Endpoint::HppDisable),
            (Method::POST, "/hpp/v1/sessions/a/distribution", Endpoint::Distribute),
            (Method::POST, "/hpp/v1/sessions/a/distribution-module/token", Endpoint::DistributionModuleToken),
            (Method::POST, "/payments/v1/authorizations/t/order", Endpoint::PlaceOrder),
            (Method::DELETE, "/payments/v1/authorizations/t", Endpoint::CancelAuthorization),
            (Method::GET, "/ordermanagement/v1/orders/o", Endpoint::OrderRead),
            (Method::POST, "/ordermanagement/v1/orders/o/captures", Endpoint::Capture),
            (Method::POST, "/ordermanagement/v1/orders/o/refunds", Endpoint::Refund),
        ];
        for (method, path, endpoint) in cases {
            assert_eq!(Endpoint::classify(&method, path), Some(endpoint), "{path}");
        }
        assert_eq!(Endpoint::classify(&Method::GET, "/pay/a"), None);
    }

    #[test]
    fn counters_fail_exactly_the_next_calls() {
        let mut state = FaultState::default();
        state
            .faults
            .endpoints
            .insert(Endpoint::HppRead, EndpointFaults { fail_next: 2, status: Some(502), ..Default::default() });
        let decided: Vec<CallFault> = (0..3).map(|_| state.decide(Endpoint::HppRead)).collect();
        assert_eq!(
            decided,
            [
                CallFault::Error(StatusCode::BAD_GATEWAY, None),
                CallFault::Error(StatusCode::BAD_GATEWAY, None),
                CallFault::None
            ]
        );
        assert_eq!(state.decide(Endpoint::HppCreate), CallFault::None);
        assert_eq!(state.calls[&Endpoint::HppRead], 3);
        assert_eq!(state.injected[&Endpoint::HppRead], 2);
    }

    #[test]
    fn rates_of_one_and_zero_are_certain() {
        let mut state = FaultState::default();
        state.faults.endpoints.insert(Endpoint::All, EndpointFaults { timeout_rate: 1.0, ..Default::default() });
        state.faults.timeout_ms = Some(10);
        for _ in 0..20 {
            assert_eq!(state.decide(Endpoint::KpRead), CallFault::Timeout(Duration::from_millis(10)));
        }
        state.faults.callbacks.drop_rate = 1.0;
        assert_eq!(state.callback_plan(), CallbackPlan::Drop);
    }

    #[test]
    fn the_config_rejects_typos_and_bad_values() {
        let parsed: Result<Faults, _> = serde_json::from_value(serde_json::json!({"endpoints": {"hpp_craete": {}}}));
        assert!(parsed.is_err());
        let bad_rate =
            Faults { callbacks: CallbackFaults { drop_rate: 2.0, ..Default::default() }, ..Default::default() };
        assert!(bad_rate.validate().is_err());
        let status = |code| Faults {
            endpoints: [(Endpoint::HppDisable, EndpointFaults { status: Some(code), ..Default::default() })].into(),
            ..Default::default()
        };
        for allowed in [400, 409, 429, 500, 503] {
            assert!(status(allowed).validate().is_ok(), "{allowed}");
        }
        for refused in [200, 302, 404, 418] {
            assert!(status(refused).validate().is_err(), "{refused}");
        }
    }
}
